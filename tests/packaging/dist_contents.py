"""What the wheel and the sdist must (and must not) contain; run by scripts/check-packaging.

    python tests/packaging/dist_contents.py DIST_DIR [--only wheel|sdist] [--version VERSION]
    python tests/packaging/dist_contents.py --print-version

DIST_DIR holds exactly one wheel and one sdist (or just one of them with ``--only``); VERSION defaults to the
workspace version in Cargo.toml, the single source of the version.

The wheel is one abi3 wheel for CPython 3.11+ holding the package, its compiled core (the only binary), the typing
files and the simulator's scenarios, and nothing from tests/, bench/ or target/. The sdist holds what a Rust
toolchain alone needs to build it: the workspace, the lock file and proto/ (the engine's build.rs compiles the
schema with protox, so no protoc). Exits non-zero with every problem listed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tiktok_webcast"
SCENARIOS = ("busy", "demo", "faults", "many", "minimal")
OVERLAY_FILES = (  # the event server's pages, served from the installed package (no build step, no CDN)
    "index.html",
    "alerts.html",
    "chat.html",
    "goal.html",
    "gifters.html",
    "counter.html",  # served as likes.html and viewers.html too
    "overlay.js",
    "common.css",
    "gift.svg",
)
BINARY_SUFFIXES = (".so", ".pyd", ".dylib", ".dll", ".o", ".a", ".rlib", ".rmeta", ".d")
DEBRIS_PARTS = {"tests", "bench", "target", ".venv", "__pycache__", ".git", ".pytest_cache", ".mypy_cache", "site"}
SDIST_REQUIRED = (
    "Cargo.toml",
    "Cargo.lock",
    "pyproject.toml",
    "README.md",
    "PKG-INFO",
    "proto/webcast/transport.proto",
    "proto/webcast/messages.proto",
    "rust/webcast-engine/Cargo.toml",
    "rust/webcast-engine/build.rs",
    "rust/webcast-engine/src/lib.rs",
    "rust/webcast-py/Cargo.toml",
    "rust/webcast-py/src/lib.rs",
    f"python/{PACKAGE}/__init__.py",
    f"python/{PACKAGE}/_core.pyi",
    f"python/{PACKAGE}/py.typed",
    *(f"python/{PACKAGE}/simulator/scenarios/{name}.toml" for name in SCENARIOS),
)


def check_wheel(wheel: Path, version: str, problems: list[str]) -> None:
    pattern = rf"{PACKAGE}-{re.escape(version)}-cp311-abi3-(manylinux|musllinux|macosx|win)[\w.]*\.whl"
    if not re.fullmatch(pattern, wheel.name):
        problems.append(f"wheel name {wheel.name} is not one abi3 wheel for cp311+ of version {version}")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"{PACKAGE}-{version}.dist-info/METADATA").decode()
    files = {PurePosixPath(name) for name in names}
    required = [
        f"{PACKAGE}/__init__.py",
        f"{PACKAGE}/_core.pyi",
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/protocol.py",
        f"{PACKAGE}/cli/__init__.py",
        *(f"{PACKAGE}/simulator/scenarios/{name}.toml" for name in SCENARIOS),
        *(f"{PACKAGE}/serve/overlays/{name}" for name in OVERLAY_FILES),
        f"{PACKAGE}-{version}.dist-info/entry_points.txt",
    ]
    problems += [f"wheel lacks {name}" for name in required if PurePosixPath(name) not in files]
    binaries = [f for f in files if f.suffix in BINARY_SUFFIXES or ".so." in f.name]
    if len(binaries) != 1 or binaries[0].parent != PurePosixPath(PACKAGE) or not binaries[0].name.startswith("_core."):
        problems.append(f"the wheel's one binary must be {PACKAGE}/_core.*: {sorted(map(str, binaries))}")
    for f in files:
        top = f.parts[0]
        if top not in (PACKAGE, f"{PACKAGE}-{version}.dist-info"):
            problems.append(f"wheel holds {f} outside the package")
        if DEBRIS_PARTS & set(f.parts):
            problems.append(f"wheel holds debris: {f}")
    if f"Version: {version}\n" not in metadata or "Requires-Python: >=3.11" not in metadata:
        problems.append("wheel METADATA lacks the version or Requires-Python >=3.11")
    size = wheel.stat().st_size
    print(f"wheel: {wheel.name}: {size:,} bytes ({size / 2**20:.2f} MiB), {len(names)} files")


def check_sdist(sdist: Path, version: str, problems: list[str]) -> None:
    prefix = f"{PACKAGE}-{version}"
    if sdist.name != f"{prefix}.tar.gz":
        problems.append(f"sdist name {sdist.name} is not {prefix}.tar.gz")
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    files = set()
    for name in members:
        path = PurePosixPath(name)
        if path.parts[0] != prefix:
            problems.append(f"sdist member {name} is outside {prefix}/")
            continue
        files.add(PurePosixPath(*path.parts[1:]))
    problems += [f"sdist lacks {name}" for name in SDIST_REQUIRED if PurePosixPath(name) not in files]
    for f in files:
        if f.suffix in BINARY_SUFFIXES or ".so." in f.name:
            problems.append(f"sdist holds a binary: {f}")
        # Rust's own integration tests (rust/*/tests) may ship; the repository's tests/ and bench/ may not.
        if f.parts and (f.parts[0] in DEBRIS_PARTS or (DEBRIS_PARTS - {"tests"}) & set(f.parts)):
            problems.append(f"sdist holds debris: {f}")
    size = sdist.stat().st_size
    print(f"sdist: {sdist.name}: {size:,} bytes, {len(files)} files")


def workspace_version() -> str:
    with (ROOT / "Cargo.toml").open("rb") as file:
        return str(tomllib.load(file)["workspace"]["package"]["version"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, nargs="?", help="the directory holding the built distributions")
    parser.add_argument("--only", choices=["wheel", "sdist"], help="check only this kind")
    parser.add_argument("--version", help="the expected version (default: Cargo.toml's workspace version)")
    parser.add_argument("--print-version", action="store_true", help="print Cargo.toml's workspace version")
    args = parser.parse_args()
    if args.print_version:
        print(workspace_version())
        return 0
    if args.dist is None:
        parser.error("DIST is required")
    dist, version = args.dist, args.version or workspace_version()
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    expected = {"wheel": (1, 0), "sdist": (0, 1), None: (1, 1)}[args.only]
    problems: list[str] = []
    if (len(wheels), len(sdists)) != expected:
        kinds = {"wheel": "one wheel", "sdist": "one sdist", None: "one wheel and one sdist"}[args.only]
        problems.append(f"expected {kinds} in {dist}: {sorted(p.name for p in dist.iterdir())}")
    for wheel in wheels:
        check_wheel(wheel, version, problems)
    for sdist in sdists:
        check_sdist(sdist, version, problems)
    for problem in problems:
        print(f"dist_contents: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
