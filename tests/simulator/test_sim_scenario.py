"""Scenarios: the bundled ones load, the Python API validates, and TOML errors name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.simulator import (
    BUILTIN_SCENARIOS,
    SCRIPT_PRESETS,
    Creator,
    DropSocket,
    Generate,
    Scenario,
    ScenarioError,
    SignerFault,
    load_scenario,
    parse_scenario,
)


@pytest.mark.parametrize("name", BUILTIN_SCENARIOS)
def test_bundled_scenarios_load(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.all_creators()
    assert scenario.source.endswith(f"{name}.toml")


def test_many_generates_a_thousand_creators() -> None:
    creators = load_scenario("many").all_creators()
    assert len(creators) == 1000
    assert creators[0].username == "creator0001" and creators[-1].username == "creator1000"


def test_toml_details_reach_the_dataclasses() -> None:
    scenario = load_scenario("minimal")
    alice = scenario.creators[0]
    assert alice.username == "sim_minimal"
    assert alice.script.viewers == 10 and alice.script.chat == 0
    assert [e.type for e in alice.script.timeline] == ["chat", "gift", "like", "follow", "unknown"]
    assert scenario.start_time == 1767225600.0
    assert scenario.signer.keys[0].pro
    faults = load_scenario("faults").faults
    assert any(isinstance(f, SignerFault) and f.status == 503 for f in faults)
    assert any(isinstance(f, DropSocket) and f.at == 30.0 for f in faults)


def test_api_keys_stay_out_of_reprs() -> None:
    assert "sim-demo-key" not in repr(load_scenario("demo"))


def test_python_api_validates() -> None:
    ok = Scenario(creators=(Creator("alice"),), generate=Generate(count=3))
    assert [c.username for c in ok.validate().all_creators()] == ["alice", "creator0001", "creator0002", "creator0003"]
    with pytest.raises(ScenarioError, match=r"creators\[1\]\.username: duplicate username"):
        Scenario(creators=(Creator("alice"), Creator("ALICE"))).validate()
    with pytest.raises(ScenarioError, match="not a TikTok username"):
        Scenario(creators=(Creator("has space"),)).validate()
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.room: no creator named 'bob'"):
        Scenario(creators=(Creator("alice"),), faults=(DropSocket(at=1, room="bob"),)).validate()
    with pytest.raises(ScenarioError, match="at least one creator"):
        Scenario().validate()
    with pytest.raises(ScenarioError, match=r"speed: must be > 0"):
        Scenario(creators=(Creator("alice"),), speed=0).validate()


def error_for(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="case.toml")
    assert isinstance(info.value, WebcastError)
    return info.value


GOOD = """\
name = "x"

[[creators]]
username = "alice"

[[creators]]
username = "bob"

[creators.script]
preset = "quiet"
chat = 2
"""


def test_good_text_parses() -> None:
    scenario = parse_scenario(GOOD, source="case.toml")
    assert scenario.creators[1].script.chat == 2.0
    assert scenario.creators[1].script.likes == SCRIPT_PRESETS["quiet"].likes


@pytest.mark.parametrize(
    ("replace", "by", "line", "key", "fragment"),
    [
        ("chat = 2", 'chat = "fast"', 11, "creators[1].script.chat", "expected a number, got str 'fast'"),
        ("chat = 2", "chatt = 2", 11, "creators[1].script.chatt", "unknown key (did you mean 'chat'?)"),
        ('preset = "quiet"', 'preset = "nope"', 10, "creators[1].script.preset", "unknown script preset"),
        ('username = "bob"', 'username = "alice"', 7, "creators[1].username", "duplicate username"),
        ('username = "bob"', "followers = 1", 6, "creators[1]", "missing required key 'username'"),
        ('name = "x"', "speed = -1", 1, "speed", "must be > 0"),
        ("chat = 2", "chat = -2", 11, "creators[1].script.chat", "must be >= 0"),
        ("chat = 2", "chat = inf", 11, "creators[1].script.chat", "expected a finite number, got inf"),
        ("chat = 2", "chat = nan", 11, "creators[1].script.chat", "expected a finite number, got nan"),
        ("chat = 2", "chat = 1e9", 11, "creators[1].script.chat", "must be >= 0 and <= 10000"),
        ('name = "x"', "speed = inf", 1, "speed", "expected a finite number, got inf"),
        ('name = "x"', "speed = 1e9", 1, "speed", "must be > 0 and <= 10000"),
    ],
)
def test_errors_name_file_line_and_key(replace: str, by: str, line: int, key: str, fragment: str) -> None:
    error = error_for(GOOD.replace(replace, by))
    assert error.source == "case.toml"
    assert error.line == line, str(error)
    assert error.key == key
    assert fragment in str(error)
    assert str(error).startswith(f"case.toml:{line}: {key}: ")


def test_syntax_errors_carry_tomllib_positions() -> None:
    error = error_for('name = "x"\n[[creators]\nusername = "a"\n')
    assert error.line == 2
    assert "TOML syntax error" in str(error)


def test_fault_kinds_are_checked() -> None:
    text = GOOD + '\n[[faults]]\nkind = "meteor"\n'
    error = error_for(text)
    assert error.key == "faults[0].kind" and error.line == 14
    assert "unknown fault kind 'meteor'" in str(error)
    error = error_for(GOOD + '\n[[faults]]\nkind = "drop_socket"\nat = 1\nmode = "gentle"\n')
    assert error.key == "faults[0].mode" and error.line == 16
    error = error_for(GOOD + '\n[[faults]]\nkind = "signer_error"\nstatus = 999\n')
    assert error.key == "faults[0].status"


def test_named_scripts_and_timeline_checks() -> None:
    text = """
[scripts.chatty]
preset = "quiet"
chat = 9

[[creators]]
username = "alice"
script = "chatty"

[[creators.script.timeline]]
at = 1
type = "gift"
gift = "Unobtainium"
"""
    # The timeline table would extend 'script', which is a string here: tomllib refuses, with the line.
    error = error_for(text)
    assert error.line == 10 and "TOML syntax error" in str(error)
    ok = parse_scenario(text.split("[[creators.script.timeline]]")[0], source="ok.toml")
    assert ok.creators[0].script.chat == 9
    bad_gift = """
[[creators]]
username = "alice"
[creators.script]
[[creators.script.timeline]]
at = 1
type = "gift"
gift = "Unobtainium"
"""
    error = error_for(bad_gift)
    assert error.key == "creators[0].script.timeline[0].gift" and error.line == 8


def test_missing_files_and_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a bundled scenario"):
        load_scenario("no-such-scenario")
    path = tmp_path / "s.toml"
    path.write_text('[[creators]]\nusername = "a1"\n[replay]\ntrace = "missing.jsonl"\n')
    with pytest.raises(ScenarioError, match=r"s\.toml:4: replay\.trace: no such file"):
        load_scenario(path)


@pytest.mark.parametrize("rate", [float("inf"), float("nan"), -1.0, 1e6])
def test_python_built_scenarios_refuse_unbounded_rates(rate: float) -> None:
    from tiktok_webcast.simulator import Creator, Scenario, ScenarioError, Script

    with pytest.raises(ScenarioError, match=r"creators\[0\]\.script\.likes: must be >= 0 and <= 10000"):
        Scenario(creators=(Creator("alice", script=Script(likes=rate)),)).validate()
