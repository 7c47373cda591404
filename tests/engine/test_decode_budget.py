"""The decode budget from Python: amplifying protobuf through every decode entry point, in a child process whose
address space is capped, must give typed errors (or unknown events for one message) and stay within the documented
memory bound; one bad message in a batch costs only itself.

The inputs come from `amplification.py`: every repeated field of every message reachable from a method, filled with
its cheapest entries up to the 16 MiB frame limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from amplification import FRAME_LIMIT, MIB, contributors, fetch_result, message, push_frame

import tiktok_webcast as tw
from tiktok_webcast.protocol import decode_fetch_response, decode_message, decode_push_frame

HERE = Path(__file__).resolve().parent
# Decoding n bytes holds at most BUDGET_RATIO x n + BUDGET_BASE bytes of decoded values (docs/connecting.md#limits).
BUDGET_RATIO = 32
BUDGET_BASE = MIB
# The documented bound on what one decode call may add to the process's peak memory, beyond its input: the decoded
# values, the Python objects made from them, and transient copies.
PEAK_FACTOR = 3
ADDRESS_SPACE = 3 * 1024 * MIB
BUDGET_ERROR = "would decode to more than"

# The child: decodes every case it is given in turn and reports each outcome and the peak RSS so far, as JSON lines.
CHILD = r"""
import json, resource, sys, traceback
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
import tiktok_webcast as tw
from tiktok_webcast.protocol import decode_fetch_response, decode_message, decode_push_frame
import amplification as a

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def outcome(result):
    events = [result] if not hasattr(result, "events") else list(result.events)
    errors = [getattr(e, "error", None) for e in events]
    return {"type": type(result).__name__, "events": len(events), "errors": [e[:200] for e in errors if e]}

print(json.dumps({"baseline": rss()}), flush=True)
for case in a.cases(sys.argv[2]):
    name, entry, data, method = case
    before = rss()
    try:
        if entry == "message":
            result = outcome(decode_message(method, data))
        elif entry == "fetch":
            result = outcome(decode_fetch_response(data))
        else:
            result = outcome(decode_push_frame(data))
    except tw.WebcastError as error:
        result = {"type": type(error).__name__, "error": str(error)[:300]}
    except BaseException:
        result = {"type": "untyped", "error": traceback.format_exc()[-2000:]}
    result.update(name=name, entry=entry, size=len(data), peak=rss(), before=before)
    del data
    print(json.dumps(result), flush=True)
"""


def run_limited(selection: str) -> tuple[int, list[dict]]:
    """Runs the child on the cases `selection` names; returns its baseline RSS and one outcome a case."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(ADDRESS_SPACE), selection],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    lines = [json.loads(line) for line in child.stdout.splitlines()]
    return lines[0]["baseline"], lines[1:]


def budget_refused(outcome: dict) -> bool:
    """True when the decode budget refused the input: a CapacityError, or its one message an unknown event."""
    if outcome["type"] == "CapacityError":
        return BUDGET_ERROR in outcome["error"]
    return any(BUDGET_ERROR in error for error in outcome.get("errors", ()))


def test_the_reported_amplifications_are_refused_with_little_memory():
    baseline, outcomes = run_limited("reported")
    assert len(outcomes) == 6
    for o in outcomes:
        assert budget_refused(o), o
    frames = [o for o in outcomes if o["entry"] == "frame"]
    assert max(o["size"] for o in frames) < 20_000  # what the report sent: a few kilobytes on the wire
    peak = max(o["peak"] for o in outcomes) - baseline
    assert peak < 8 * FRAME_LIMIT, f"{peak / MIB:.0f} MiB"


def test_every_amplifying_field_at_the_frame_limit_is_bounded_at_every_entry_point():
    baseline, outcomes = run_limited("every-field")
    untyped = [o for o in outcomes if o["type"] == "untyped"]
    assert not untyped, untyped[0]
    assert len({o["name"] for o in outcomes}) >= 90
    for o in outcomes:
        assert o["type"] in {"CapacityError", "PushFrame", "FetchResponse"} or o["type"].endswith("Event"), o
    peak = max(o["peak"] for o in outcomes) - baseline
    largest = max(o["size"] for o in outcomes)
    bound = 2 * FRAME_LIMIT + PEAK_FACTOR * (BUDGET_RATIO * FRAME_LIMIT + BUDGET_BASE)
    print(f"peak {peak / MIB:.0f} MiB over {baseline / MIB:.0f} MiB for inputs up to {largest / MIB:.1f} MiB")
    assert largest <= FRAME_LIMIT
    assert peak <= bound
    # The worst amplifiers (lists of users, of contributors, of whole messages) are refused, not decoded. (Fields
    # events do not read, such as a chat's mentioned users, are skipped by the typed decoder: nothing to refuse.)
    refused = {o["name"] for o in outcomes if budget_refused(o)}
    assert {"WebcastRoomUserSeqMessage.2", "WebcastLinkMicMethod.45", "ProtoMessageFetchResult.1"} <= refused


# -- one bad message in a batch ---------------------------------------------------------------------------------


def chat(index: int) -> bytes:
    from amplification import delimited, varint

    common = delimited(1, b"WebcastChatMessage") + b"\x10" + varint(1000 + index)
    return message("WebcastChatMessage", delimited(1, common) + delimited(3, b"comment %d" % index))


@pytest.mark.parametrize("bad", ["method", "budget", "malformed"])
def test_one_bad_message_among_a_hundred_costs_only_itself(bad):
    from amplification import delimited

    broken = {
        "method": delimited(1, b"Webcast\xffChat") + delimited(2, b""),
        "budget": message("WebcastRoomUserSeqMessage", contributors(20_000)),
        "malformed": b"\x0a\x05ab",
    }[bad]
    messages = [chat(i) for i in range(50)] + [broken] + [chat(i) for i in range(50, 100)]
    # need_ack (9) and internal_ext (5): the frame asks for an ack, and gets one despite the bad message.
    batch = fetch_result(*messages) + delimited(5, b"ext") + b"\x48\x01"
    for decoded in (decode_fetch_response(batch), decode_push_frame(push_frame(batch, gzipped=False))):
        events = list(decoded.events)
        assert len(events) == 101
        good = [e for i, e in enumerate(events) if i != 50]
        assert all(isinstance(e, tw.ChatEvent) for e in good)
        assert [e.msg_id for e in good] == [1000 + i for i in range(100)]
        assert isinstance(events[50], tw.UnknownEvent) and events[50].error
    assert decode_push_frame(push_frame(batch, gzipped=False)).ack is not None
    error = events[50].error
    expected = {"method": "not valid UTF-8", "budget": BUDGET_ERROR, "malformed": "malformed message"}[bad]
    assert expected in error


def test_one_message_beyond_its_budget_is_an_unknown_event_naming_the_limit():
    # Small enough that a broken budget would cost this process only a few hundred megabytes.
    payload = contributors(20_000)
    event = decode_message("WebcastRoomUserSeqMessage", payload)
    assert isinstance(event, tw.UnknownEvent)
    assert event.payload == payload
    limit = BUDGET_RATIO * len(payload) + BUDGET_BASE
    assert event.error == (
        f"WebcastRoomUserSeqMessage of {len(payload)} bytes would decode to more than {limit} bytes "
        f"(the decode budget is {BUDGET_RATIO} x its size + {BUDGET_BASE} bytes)"
    )


def test_a_batch_beyond_its_budget_is_a_capacity_error():
    batch = fetch_result(*[message("WebcastGiftMessage", b"")] * 5_000)
    with pytest.raises(tw.CapacityError, match=r"fetch response of .* would decode to more than"):
        decode_fetch_response(batch)
    with pytest.raises(tw.CapacityError, match="fetch response"):
        decode_push_frame(push_frame(batch))
