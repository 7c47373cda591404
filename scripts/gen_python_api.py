"""Write the Python side of the event catalog from the built extension: `_core.pyi`, `events.py` and `wire.py`.

The engine's catalog (rust/webcast-engine/src/events/catalog.rs, simple.rs) is the single list of events; the
extension reports it through `_core._schema()`. Run after `maturin develop`:  python scripts/gen_python_api.py
A test checks that the committed files match, so a catalog change without a regeneration fails CI.
`wire.py` types message views (an event's `proto`): one Protocol per message type of the schema, for type checkers
only; at run time every view is a `_core.WireMessage`.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "python" / "tiktok_webcast"
STATIC_STUB = Path(__file__).with_name("core_stub_static.pyi")

SCALARS = {"i64": "int", "i32": "int", "bool": "bool", "String": "str", "Json": "Any", "Badges": "tuple[Badge, ...]"}
# The message type an event's `proto` view has: its own method's, except for these.
PROTO_VIEWS = {
    "UserEvent": "WebcastMemberMessage | WebcastSocialMessage",
    "RoomEvent": "WebcastRoomMessage | WebcastSystemMessage",
}
BUILTIN_TYPES = re.compile(r"\b(int|bool|str|bytes|float|dict|tuple)\b")


def python_type(rust: str) -> str:
    rust = re.sub(r"\$crate\s*::\s*events\s*::\s*", "", rust).replace(" ", "")
    if m := re.fullmatch(r"Option<(.+)>", rust):
        return f"{python_type(m.group(1))} | None"
    if m := re.fullmatch(r"Vec<(.+)>", rust):
        return f"tuple[{python_type(m.group(1))}, ...]"
    return SCALARS.get(rust, rust)


def field_name(rust: str) -> str:
    return rust.removeprefix("r#")


def class_stub(name: str, fields: list[tuple[str, str]], meta: bool, proto: str = "") -> str:
    typed = [(field_name(f), python_type(t)) for f, t in fields]
    if meta:
        typed += [("method", "str"), ("msg_id", "int"), ("timestamp", "int")]
    lines = [f"@final\nclass {name}:"]
    names = ", ".join(f'"{f}"' for f, _ in typed)
    lines.append(f"    __match_args__: ClassVar[tuple[str, ...]] = ({names}{',' if len(typed) == 1 else ''})")
    for field, annotation in typed:
        lines.append(f"    @property\n    def {field}(self) -> {annotation}: ...")
    params = ", ".join(f"{f}: {a} = ..." for f, a in typed)
    lines.append(f"    def __new__(cls{', *, ' + params if params else ''}) -> Self: ...")
    lines.append("    def __eq__(self, other: object, /) -> bool: ...")
    lines.append("    def __hash__(self) -> int: ...")
    if meta:
        lines.append("    @property\n    def raw(self) -> Bytes: ...")
        views = " | ".join(f"wire.{part}" for part in proto.split(" | "))
        lines.append(f"    @property\n    def proto(self) -> {views}: ...")
    if name == "GiftEvent":
        lines.append("    @property\n    def streakable(self) -> bool: ...")
        lines.append("    @property\n    def streak_finished(self) -> bool: ...")
        lines.append("    @property\n    def diamonds(self) -> int: ...")
    return "\n".join(lines)


def wire_protocol(name: str, fields: list[tuple[str, str]]) -> str:
    """A message view's type: every field a read-only property. Builtins are qualified (fields may be named `str`,
    `type`, ...); a field named like a Python keyword is read as `name_`."""
    lines = [f"class {name}(Protocol):"]
    for field, annotation in fields:
        qualified = BUILTIN_TYPES.sub(r"builtins.\1", annotation)
        attribute = f"{field}_" if keyword.iskeyword(field) or keyword.issoftkeyword(field) else field
        lines.append(f"    @property\n    def {attribute}(self) -> {qualified}: ...")
    lines.append("    @property\n    def _type(self) -> builtins.str: ...")
    lines.append("    def to_dict(self) -> builtins.dict[builtins.str, Any]: ...")
    return "\n".join(lines)


def load_core():  # type: ignore[no-untyped-def]
    """The built extension, loaded without running the package's __init__ (which imports what we generate)."""
    import importlib.util

    candidates = sorted(PACKAGE.glob("_core*.so")) + sorted(PACKAGE.glob("_core*.pyd"))
    if not candidates:
        from tiktok_webcast import _core

        return _core
    spec = importlib.util.spec_from_file_location("tiktok_webcast._core", candidates[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    _core = load_core()

    models, events = _core._schema()
    views = _core._view_schema()
    view_names = {name for name, _ in views}
    # The header's import of `wire` is unused until the events below use it.
    header = STATIC_STUB.read_text(encoding="utf-8").rstrip()
    stub = [re.sub(r"  # noqa: F401.*", "", header), ""]
    stub += [class_stub(name, list(fields), meta=False) + "\n" for name, fields in models]
    for name, fields in events:
        proto = PROTO_VIEWS.get(name) or getattr(_core, name)().method
        assert all(part in view_names for part in proto.split(" | ")), (name, proto)
        stub.append(class_stub(name, list(fields), meta=True, proto=proto) + "\n")
    outputs = {PACKAGE / "_core.pyi": "\n".join(stub).rstrip() + "\n"}

    model_names = [name for name, _ in models]
    event_names = [name for name, _ in events] + ["UnknownEvent"]
    # Sorted as ruff's isort does: imports case-insensitively; __all__ constants first, then case-sensitively.
    names = sorted(model_names + event_names + ["Bytes", "UserEventType"], key=str.lower)
    imports = "".join(f"    {name},\n" for name in names)
    union = "".join(f"    {name},\n" for name in event_names)
    exported = sorted([*names, "EVENT_TYPES", "Event"], key=lambda name: (not name.isupper(), name))
    all_names = "".join(f'    "{name}",\n' for name in exported)
    outputs[PACKAGE / "events.py"] = (
        '"""Every typed event and the values nested in them. Generated by scripts/gen_python_api.py."""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import TypeAlias\n\n"
        f"from tiktok_webcast._core import (\n{imports})\n\n"
        "Event: TypeAlias = (\n    " + "\n    | ".join(event_names) + "\n)\n"
        '"""Any event a live room can produce."""\n\n'
        f"EVENT_TYPES: tuple[type[Event], ...] = (\n{union})\n\n"
        f"__all__ = [\n{all_names}]\n"
    )
    outputs[PACKAGE / "wire.py"] = (
        '"""The type of every message view (an event\'s `proto`, and the messages it nests), one Protocol per message\n'
        "type of proto/webcast/. For type checkers only: at run time every view is a `_core.WireMessage`.\n\n"
        "Generated by scripts/gen_python_api.py.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "import builtins\n"
        "from typing import Any, Protocol\n\n\n"
        + "\n\n\n".join(wire_protocol(name, list(fields)) for name, fields in views)
        + "\n"
    )
    stale = [path for path, text in outputs.items() if not path.exists() or path.read_text("utf-8") != text]
    if "--check" in sys.argv[1:]:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python scripts/gen_python_api.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path], encoding="utf-8")
    print(f"{len(models)} models, {len(events)} events, {len(views)} message types")
    return 0


if __name__ == "__main__":
    sys.exit(main())
