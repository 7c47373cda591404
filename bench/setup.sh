#!/usr/bin/env bash
# Creates bench/.venv with the peer (TikTokLive 7.0.1, which needs pydantic 2 and betterproto2) and our package built
# in release mode. Idempotent: each step is skipped when its result is already there.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$bench_dir")"
venv="$bench_dir/.venv"
python="$venv/bin/python"

if [[ ! -x "$python" ]]; then
    python3 -m venv "$venv"
    "$python" -m pip install --quiet --upgrade pip
fi

if ! "$python" -c 'import importlib.metadata as m; assert m.version("TikTokLive") == "7.0.1"' 2>/dev/null; then
    "$python" -m pip install --quiet 'TikTokLive==7.0.1'
fi

# The second peer: Google's protobuf runtime (upb) with classes protoc writes from proto/ (grpcio-tools brings protoc).
if ! "$python" -c 'import grpc_tools, google.protobuf' 2>/dev/null; then
    "$python" -m pip install --quiet grpcio-tools protobuf
fi
mkdir -p "$bench_dir/.gen"
"$python" -m grpc_tools.protoc -I "$repo_dir/proto" --python_out "$bench_dir/.gen" \
    "$repo_dir"/proto/webcast/*.proto

if [[ ! -x "$venv/bin/maturin" ]]; then
    "$python" -m pip install --quiet 'maturin>=1.5,<2'
fi

# Always rebuild ours (cargo makes it quick when nothing changed; a stale build would measure old code). A wheel, not
# `maturin develop`, whose editable install would write the extension into python/tiktok_webcast/ for every venv.
rm -rf "$bench_dir/.wheels"
# The build environment of every other build here (scripts/build-env): nothing recompiles that did not change.
(cd "$repo_dir" && . scripts/build-env && "$venv/bin/maturin" build --quiet --release --out "$bench_dir/.wheels")
"$python" -m pip install --quiet --force-reinstall --no-deps "$bench_dir"/.wheels/tiktok_webcast-*.whl

"$python" -c 'import tiktok_webcast, TikTokLive; print("bench/.venv ready:", tiktok_webcast.__name__, TikTokLive.__name__)'
