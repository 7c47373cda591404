"""Smoke test of an INSTALLED tiktok-webcast, run by scripts/check-packaging in a fresh virtualenv.

    VENV/bin/python -I smoke.py VERSION [--no-watch]
    VENV/bin/python -I smoke.py VERSION --core

It is copied out of the source tree and run from an empty directory, so ``import tiktok_webcast`` can only find
the installed package. It checks that the package and its compiled core import from site-packages, that a gzipped
push frame round-trips through the engine, that the typing files and the simulator's scenarios were installed,
that ``tiktok-webcast --version`` prints VERSION, and that ``tiktok-webcast watch --json`` prints events from the
bundled simulator (trio, httpx, the websocket and the decoder, all as installed; ``--no-watch`` leaves that out,
for Windows, where the check cannot read a pipe with a timeout). Any failure exits non-zero.

``--core`` checks the install without extras instead: the library and its core import, a frame round-trips, and
neither importing it nor installing it brought trio, h11 or wsproto (h11 only as what httpx's httpcore requires);
the command is there and, asked for the demo, names the extra to install instead of failing with a traceback.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

WATCH_EVENTS = 3
WATCH_TIMEOUT = 60.0


def check(condition: object, message: str) -> None:
    if not condition:
        raise SystemExit(f"smoke: FAILED: {message}")


def cli_script() -> str:
    """The ``tiktok-webcast`` console script installed next to this interpreter."""
    script = shutil.which("tiktok-webcast", path=str(Path(sys.executable).parent))
    check(script, f"no tiktok-webcast script next to {sys.executable}")
    assert script is not None
    return script


def check_installed_location() -> Path:
    import tiktok_webcast
    from tiktok_webcast import _core

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    package = Path(tiktok_webcast.__file__).resolve().parent
    check(package.is_relative_to(site), f"tiktok_webcast imported from {package}, not from {site}")
    core = Path(_core.__file__).resolve()
    check(core.parent == package, f"the compiled core came from {core}")
    check(core.name.endswith((".abi3.so", ".pyd")), f"the core is not an abi3 extension: {core.name}")
    print(f"smoke: imported {package} (core {core.name})")
    return package


def check_version(expected: str) -> None:
    import tiktok_webcast

    check(importlib.metadata.version("tiktok-webcast") == expected, "the installed metadata has another version")
    check(tiktok_webcast.__version__ == expected, f"__version__ is {tiktok_webcast.__version__!r}")
    result = subprocess.run([cli_script(), "--version"], capture_output=True, text=True, timeout=60, check=False)
    check(result.returncode == 0, f"tiktok-webcast --version exited {result.returncode}: {result.stderr}")
    check(result.stdout.strip() == f"tiktok-webcast {expected}", f"tiktok-webcast --version printed {result.stdout!r}")
    print(f"smoke: {result.stdout.strip()}")


def check_round_trip() -> None:
    from tiktok_webcast import ChatEvent, DecodeError, User, protocol

    chat = ChatEvent(user=User(id=1, username="alice", nickname="Alice"), comment="hello from the wheel", msg_id=7)
    body = protocol.encode_fetch_response([chat], cursor="c-1")
    frame = protocol.decode_push_frame(protocol.encode_push_frame(body, gzip=True))
    check(("compress_type", "gzip") in frame.headers, f"the frame was not gzipped: {frame.headers}")
    check([type(e).__name__ for e in frame.events] == ["ChatEvent"], f"decoded {frame.events}")
    check(frame.events[0].comment == "hello from the wheel", f"decoded comment {frame.events[0].comment!r}")
    check(frame.events[0] == chat and frame.cursor == "c-1", f"round trip changed the event: {frame.events[0]!r}")
    try:
        protocol.decode_push_frame(b"\xff\xff\xff")
    except DecodeError:
        pass
    else:
        check(False, "garbage decoded without a DecodeError")
    print("smoke: a gzipped push frame round-trips; garbage raises DecodeError")


def check_package_files(package: Path) -> None:
    from tiktok_webcast.simulator import BUILTIN_SCENARIOS, load_scenario

    for name in ("_core.pyi", "py.typed"):
        check((package / name).is_file(), f"{name} was not installed")
    for name in BUILTIN_SCENARIOS:
        check((package / "simulator" / "scenarios" / f"{name}.toml").is_file(), f"scenario {name} was not installed")
        load_scenario(name)
    print(f"smoke: _core.pyi, py.typed and {len(BUILTIN_SCENARIOS)} scenarios installed and loadable")


def check_watch_demo() -> None:
    """The CLI's demo: the simulator in the same process, watched over a real websocket on loopback."""
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOK_WEBCAST_URLS", "HTTPS_PROXY", "ALL_PROXY")}
    process = subprocess.Popen(
        [cli_script(), "watch", "--json", "--color", "never"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    events: list[dict[str, object]] = []
    buffer = b""
    deadline = time.monotonic() + WATCH_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while len(events) < WATCH_EVENTS and time.monotonic() < deadline and process.poll() is None:
            if not selector.select(timeout=1.0):
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            events += [json.loads(line) for line in lines if line.strip()]
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    check(
        len(events) >= WATCH_EVENTS,
        f"tiktok-webcast watch printed {len(events)} events in {WATCH_TIMEOUT:.0f} s "
        f"(exit {process.returncode}); stderr:\n{stderr.decode(errors='replace')[-2000:]}",
    )
    names = [str(event.get("class")) for event in events]
    check(all(name.endswith("Event") for name in names), f"not events: {events}")
    check(process.returncode == 0, f"tiktok-webcast watch exited {process.returncode} on Ctrl-C")
    print(f"smoke: tiktok-webcast watch --json printed {len(events)} events: {', '.join(names)}")


APPLICATION_ONLY = ("trio", "h11", "wsproto")


def requirement_names(distribution: str) -> set[str]:
    """The distributions ``distribution`` requires unconditionally (no extras, no environment markers)."""
    names = set()
    for requirement in importlib.metadata.requires(distribution) or []:
        if ";" not in requirement:
            names.add(re.split(r"[\s<>=!~\[(]", requirement, maxsplit=1)[0].lower())
    return names


def check_core_footprint() -> None:
    """The core install: the library works, and nothing of the applications' came with it."""
    import tiktok_webcast
    from tiktok_webcast import TikTok, protocol  # noqa: F401  (importing is the check)

    imported = sorted(name for name in APPLICATION_ONLY if name in sys.modules)
    check(not imported, f"importing tiktok_webcast imported {imported}")
    ours = requirement_names("tiktok-webcast")
    check({"anyio", "httpx"} <= ours, f"the core requires {sorted(ours)}, without anyio and httpx")
    check(not ours & set(APPLICATION_ONLY), f"the core requires {sorted(ours & set(APPLICATION_ONLY))}")
    for name in APPLICATION_ONLY:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        needed_by = [d for d in ("httpcore", "anyio", "httpx") if name in requirement_names(d)]
        check(needed_by, f"{name} is installed, and none of httpx's dependencies requires it")
        print(f"smoke: {name} is installed only because {needed_by[0]} requires it")
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOK_WEBCAST_URLS", "HTTPS_PROXY", "ALL_PROXY")}
    result = subprocess.run(
        [cli_script(), "watch", "--color", "never"], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    check("Traceback" not in result.stderr, f"tiktok-webcast watch without extras: {result.stderr}")
    check(result.returncode == 1, f"tiktok-webcast watch without extras exited {result.returncode}")
    check("pip install 'tiktok-webcast[simulator]'" in result.stderr, f"no hint for the extra: {result.stderr}")
    print(f"smoke: the core imports {tiktok_webcast.__name__} without {', '.join(APPLICATION_ONLY)}")


def main() -> None:
    args = sys.argv[1:]
    watch = "--no-watch" not in args
    core = "--core" in args
    args = [arg for arg in args if arg not in ("--no-watch", "--core")]
    if len(args) != 1:
        raise SystemExit(f"usage: {sys.argv[0]} VERSION [--no-watch | --core]")
    check(not Path("python/tiktok_webcast").exists(), f"run me outside the source tree, not in {Path.cwd()}")
    if core:
        check_installed_location()
        check_round_trip()
        check_core_footprint()
        print("smoke: core ok")
        return
    package = check_installed_location()
    check_version(args[0])
    check_round_trip()
    check_package_files(package)
    if watch:
        check_watch_demo()
    print("smoke: ok")


if __name__ == "__main__":
    main()
