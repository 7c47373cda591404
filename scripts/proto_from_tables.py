"""Write proto/webcast/*.proto from the field tables in ../shared/protocol/webcast.md (§4, §5, §7).

The fact file is the source of truth for field numbers; this script only transcribes its tables so that the
.proto files never drift from it by hand. Types the fact file has no table for are transcribed from the field
metadata of the community schema, TikTokLiveProto 0.2.2 (its V3 package; installed with the test extra), which the
fact file's tables were checked against: field numbers and types carry over, nothing else does. Each such message
says so in its comment. Run it from the project root:  python scripts/proto_from_tables.py
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from pathlib import Path

FACTS = Path(__file__).resolve().parents[1].parent / "shared" / "protocol" / "webcast.md"
OUT = Path(__file__).resolve().parents[1] / "proto" / "webcast"

SCALARS = {"int64", "int32", "uint64", "uint32", "bool", "string", "bytes", "double", "float"}
TRANSPORT = [
    "WebcastPushFrame",
    "PushHeader",
    "HeartBeatMessage",
    "WebcastImEnterRoomMessage",
    "ProtoMessageFetchResult",
    "BaseProtoMessage",
]
# Fields the fact file documents outside V3's tables (webcast.md §7.12: real banners carry a JSON string at #2).
DOCUMENTED_EXTRAS = {"WebcastInRoomBannerMessage": [(2, "json", "string", "not in V3; webcast.md §7.12")]}
HEADER = re.compile(r"^\*\*(\w+)\*\* \(v3 package `([\w.]+)`\)")
ROW = re.compile(r"^\| (\d+) \| `(\w+)` \| (.+?) \|$")
ENUM = re.compile(r"^\*\*enum (\w+)\*\*: (.*)$")
SECTION = re.compile(r"^### (\d+)\.(\d+) ")


def read_tables(text: str):
    messages: OrderedDict[str, dict] = OrderedDict()
    enums: OrderedDict[str, list[tuple[int, str]]] = OrderedDict()
    current = None
    section = ""
    for line in text.splitlines():
        if m := SECTION.match(line):
            section = f"{m.group(1)}.{m.group(2)}"
        if m := HEADER.match(line):
            current = m.group(1)
            messages[current] = {"package": m.group(2), "section": section, "fields": []}
            continue
        if current and (m := ROW.match(line)):
            messages[current]["fields"].append((int(m.group(1)), m.group(2), m.group(3).strip()))
            continue
        if m := ENUM.match(line):
            enums[m.group(1)] = [(int(n), v) for n, v in re.findall(r"(\d+)=(\w+)", m.group(2))]
        if line.startswith("#"):
            current = None
    return messages, enums


def screaming(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


class Writer:
    def __init__(self, messages, enums, community: Community | None):
        self.messages = messages
        self.enums = enums
        self.community = community
        self.by_lower = {name.lower(): name for name in messages}
        self.placeholders: set[str] = set()

    def field_type(self, raw: str, owner: str = "", field: str = "") -> tuple[str, str]:
        """Return (proto type text, note) for a table's type column; `owner.field` is where it sits."""
        repeated = raw.startswith("repeated ")
        base = raw.removeprefix("repeated ")
        if m := re.fullmatch(r"map<(\w+), (\w+)>", base):
            value, note = self.single_type(m.group(2), owner, f"{field}.value")
            return f"map<{m.group(1)}, {value}>", note
        single, note = self.single_type(base, owner, field)
        return ("repeated " if repeated else "") + single, note

    def untabled_type(self, owner: str, field: str) -> str | None:
        """The untabled.proto message at `owner.field` (`field.value` for a map's value), if the community has one."""
        if self.community is None:
            return None
        return self.community.field_message(self.messages[owner]["package"], owner, field)

    def single_type(self, base: str, owner: str = "", field: str = "") -> tuple[str, str]:
        if base in SCALARS:
            return base, ""
        if base.startswith("enum "):
            name = base[5:]
            if name in self.enums:
                return name, ""
            return "int32", f"enum {name}: values not tabled"
        if base.lower() in self.by_lower:
            return self.by_lower[base.lower()], ""
        if owner and (untabled := self.untabled_type(owner, field)) is not None:
            return "bytes", f"untabled:{untabled}"
        self.placeholders.add(base)
        return "bytes", f"{base}: no field table, kept as raw bytes"

    def message(self, name: str) -> str:
        info = self.messages[name]
        lines = [f"// V3 `{info['package']}.{name}` (webcast.md §{info['section']})", f"message {name} {{"]
        for number, field, raw in info["fields"]:
            proto_type, note = self.field_type(raw, name, field)
            option = ""
            if note.startswith("untabled:"):
                option, note = f' [(untabled) = "{note.removeprefix("untabled:")}"]', ""
            comment = f"  // {note}" if note else ""
            lines.append(f"  {proto_type} {field} = {number}{option};{comment}")
        for number, field, proto_type, note in DOCUMENTED_EXTRAS.get(name, []):
            lines.append(f"  {proto_type} {field} = {number};  // {note}")
        lines.append("}")
        return "\n".join(lines)

    def enum(self, name: str) -> str:
        prefix = screaming(name)
        lines = [f"enum {name} {{"]
        for number, value in self.enums[name]:
            lines.append(f"  {prefix}_{value} = {number};")
        lines.append("}")
        return "\n".join(lines)


PREAMBLE = """// Generated by scripts/proto_from_tables.py from ../shared/protocol/webcast.md: edit the script.
// Field numbers are V3's (TikTokLiveProto 0.2.2), confirmed against real captures (webcast.md §0, §12).
syntax = "proto3";

package webcast;
"""
# Fields of tabled messages whose type is untabled stay `bytes` for the typed decoder and name their type with this
# option; untabled.proto imports messages.proto (its types reference tabled ones), so the reverse import would be a
# cycle.
IMPORTS = {
    "messages.proto": 'import "webcast/options.proto";\n',
    "untabled.proto": 'import "webcast/messages.proto";\n',
}
UNTABLED_PREAMBLE = """// The types webcast.md has no field table for, and what they reach, transcribed from
// TikTokLiveProto 0.2.2's V3 field metadata: names, numbers and types only. Their meaning is undocumented; see
// proto/README.md.
"""


class Community:
    """The message types of TikTokLiveProto's V3 schema, read from the field metadata its classes carry. A type the
    fact file does not table is written out under its V3 name (qualified by its package's last part when two V3
    packages, or a tabled message, use the name), together with every type it reaches."""

    def __init__(self, tabled: dict[str, dict]) -> None:
        import importlib
        import pkgutil

        import betterproto2
        import TikTokLiveProto.v3 as v3

        self.classes: dict[tuple[str, str], type] = {}
        names: dict[str, set[str]] = {}
        for info in pkgutil.walk_packages(v3.__path__, v3.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if isinstance(obj, type) and issubclass(obj, betterproto2.Message) and obj.__module__ == info.name:
                    package = info.name.removeprefix(v3.__name__ + ".")
                    self.classes[(package, name)] = obj
                    names.setdefault(name, set()).add(package)
        self.tabled = {(info["package"], name) for name, info in tabled.items()}
        self.tabled_names = set(tabled)
        self.shared_names = {name for name, packages in names.items() if len(packages) > 1} | self.tabled_names
        self.written: dict[type, str] = {}
        self.pending: list[type] = []

    def key(self, cls: type) -> tuple[str, str]:
        return cls.__module__.split(".v3.", 1)[1], cls.__name__

    def name(self, cls: type) -> str:
        """Our proto name for V3 class `cls`, queued for writing if it is not tabled."""
        package, name = self.key(cls)
        if (package, name) in self.tabled:
            return name
        if cls not in self.written:
            last = package.rsplit(".", 1)[-1]
            qualified = "".join(part.title() for part in last.split("_")) + name
            self.written[cls] = qualified if name in self.shared_names else name
            self.pending.append(cls)
        return self.written[cls]

    def field_message(self, package: str, owner: str, field: str) -> str | None:
        """The proto name of the message type at `owner.field` (`field.value` for a map's value), if V3 has one."""
        cls = self.classes.get((package, owner))
        if cls is None:
            return None
        target = cls._betterproto.cls_by_field.get(field)
        if not isinstance(target, type) or not hasattr(target, "_betterproto"):
            return None
        return self.name(target)

    def scalar(self, meta) -> str:  # type: ignore[no-untyped-def]
        return "int32" if meta.proto_type == "enum" else meta.proto_type

    def message(self, cls: type) -> str:
        import dataclasses

        package, name = self.key(cls)
        lines = [
            f"// V3 `{package}.{name}`: not tabled in webcast.md, field numbers from TikTokLiveProto 0.2.2",
            f"message {self.written[cls]} {{",
        ]
        by_field = cls._betterproto.cls_by_field
        for field in dataclasses.fields(cls):
            meta = field.metadata["betterproto"]
            note = ""
            if meta.proto_type == "map":
                key_meta, value_meta = meta.map_meta
                value = self.scalar(value_meta)
                if value_meta.proto_type == "message":
                    value = self.name(by_field[f"{field.name}.value"])
                text = f"map<{self.scalar(key_meta)}, {value}>"
            else:
                text = self.name(by_field[field.name]) if meta.proto_type == "message" else self.scalar(meta)
                if meta.proto_type == "enum":
                    note = f"  // enum {by_field[field.name].__name__}: values not tabled"
                if meta.repeated:
                    text = f"repeated {text}"
            lines.append(f"  {text} {field.name} = {meta.number};{note}")
        lines.append("}")
        return "\n".join(lines)

    def drain(self) -> list[str]:
        """Every queued type (and what those reach), in the order first met."""
        written = []
        while self.pending:
            written.append(self.message(self.pending.pop(0)))
        return written


def load_community(tabled: dict[str, dict]) -> Community | None:
    try:
        return Community(tabled)
    except ImportError:
        print("TikTokLiveProto is not installed: untabled types stay bytes", file=sys.stderr)
        return None


def main() -> int:
    messages, enums = read_tables(FACTS.read_text(encoding="utf-8"))
    community = load_community(messages)
    writer = Writer(messages, enums, community)
    schema = [name for name in messages if name not in TRANSPORT]
    tabled = [writer.message(name) for name in schema]
    untabled = community.drain() if community is not None else []
    files = {
        "transport.proto": "\n\n".join(writer.message(name) for name in TRANSPORT),
        "messages.proto": "\n\n".join(tabled + [writer.enum(name) for name in enums]),
        "untabled.proto": UNTABLED_PREAMBLE + "\n" + "\n\n".join(untabled),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for filename, body in files.items():
        imports = IMPORTS.get(filename, "")
        header = PREAMBLE + ("\n" + imports if imports else "")
        (OUT / filename).write_text(header + "\n" + body + "\n", encoding="utf-8")
    print(
        f"{len(messages)} tabled messages, {len(untabled)} from TikTokLiveProto, {len(enums)} enums, "
        f"{len(writer.placeholders)} untabled types kept as bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
