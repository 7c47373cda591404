"""``info``, ``room``, ``gifts``, ``prices``, ``feed``: what TikTok's HTTP API says, as text or JSON."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping
from typing import Any

from tiktok_webcast.cli._app import Command, Context
from tiktok_webcast.cli._errors import EXIT_OK, UsageError, room_lookup
from tiktok_webcast.cli._json import dumps
from tiktok_webcast.cli._render import Style, local_time, number, plural
from tiktok_webcast.models import FeedPage, Gift, PriceList, RoomInfo, UserInfo

ROOM_STATUS = {2: "live", 3: "paused", 4: "ended"}


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, parents=[common], help=help_text, description=help_text
        )
        parser.add_argument(
            "--json", action="store_true", help="print JSON instead of text (each id also as a string, <name>_str)"
        )
        return parser

    parser = add("info", "a user's profile and whether they are live")
    parser.add_argument("user", metavar="USER", help="a username, @username or profile URL")
    parser.set_defaults(run=Command(info))

    parser = add("room", "a room's title, host, viewers and stream URLs")
    parser.add_argument("room_id", metavar="ROOM_ID", type=int)
    parser.set_defaults(run=Command(room))

    parser = add("gifts", "the gift catalog (of a room, or the default one)")
    parser.add_argument("--room", type=int, metavar="ROOM_ID", help="the gifts of this room")
    parser.set_defaults(run=Command(gifts))

    parser = add("prices", "the price of coins in the region of your IP")
    parser.set_defaults(run=Command(prices))

    parser = add("feed", "recommended live rooms")
    parser.add_argument("--pages", type=int, default=1, metavar="N", help="pages to fetch (default 1)")
    parser.set_defaults(run=Command(feed))


def plain(value: Any) -> Any:
    """A model as JSON-ready data, without the raw TikTok answer it was read from."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "raw"}
        for extra in ("is_live",):
            if hasattr(type(value), extra):
                out[extra] = getattr(value, extra)
        return out
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _json(context: Context, value: Any) -> int:
    print(dumps(plain(value), indent=2), file=context.out)
    return EXIT_OK


def _rows(context: Context, rows: list[tuple[str, str]]) -> None:
    width = max((len(label) for label, _ in rows), default=0)
    for label, value in rows:
        print(f"  {context.style(label.ljust(width), 'dim')}  {value}", file=context.out)


async def info(context: Context) -> int:
    async with context.client() as tiktok:
        user = await tiktok.get_user_info(context.args.user)
    if context.args.json:
        return _json(context, user)
    print_user(context, user)
    return EXIT_OK


def print_user(context: Context, user: UserInfo) -> None:
    s = context.style
    verified = " " + s("✓ verified", "cyan") if user.verified else ""
    print(
        f"{s(user.nickname or user.username, 'bold')} {s('@' + user.username, 'dim')}{verified}",
        file=context.out,
    )
    rows = [
        ("user id", str(user.user_id)),
        ("followers", number(user.follower_count)),
        ("following", number(user.following_count)),
    ]
    if user.bio:
        rows.append(("bio", user.bio.replace("\n", " ")))
    if user.is_live:
        rows.append(("live", s("● live", "red", "bold") + f"  room {user.room_id}"))
        if user.title:
            rows.append(("title", user.title))
        rows.append(("viewers", number(user.viewers)))
        if user.start_time:
            rows.append(("since", local_time(user.start_time)))
    else:
        rows.append(("live", s("not live", "dim")))
    _rows(context, rows)


async def room(context: Context) -> int:
    async with context.client() as tiktok:
        with room_lookup(context.args.room_id):
            info = await tiktok.get_room_info(context.args.room_id)
    if context.args.json:
        return _json(context, info)
    print_room(context, info)
    return EXIT_OK


def print_room(context: Context, info: RoomInfo) -> None:
    s = context.style
    print(s(info.title or f"room {info.room_id}", "bold"), file=context.out)
    status = ROOM_STATUS.get(info.status, f"status {info.status}")
    rows = [
        ("room id", str(info.room_id)),
        ("status", s("● live", "red", "bold") if info.is_live else status),
    ]
    if info.owner is not None:
        rows.append(("host", f"{info.owner.nickname} (@{info.owner.username})"))
    rows += [
        ("viewers", f"{number(info.viewers)} now, {number(info.total_viewers)} in all"),
        ("likes", number(info.likes)),
    ]
    if info.start_time:
        rows.append(("started", local_time(info.start_time)))
    streams = sorted(info.stream_urls.values(), key=lambda stream: -stream.level)
    for stream in streams:
        kinds = ", ".join(kind for kind, url in (("flv", stream.flv), ("hls", stream.hls)) if url)
        rows.append((f"stream {stream.quality}", f"{kinds} {s(stream.flv or stream.hls or '', 'dim')}"))
    if not streams and info.hls_url:
        rows.append(("stream", f"hls {s(info.hls_url, 'dim')}"))
    _rows(context, rows)


async def gifts(context: Context) -> int:
    async with context.client() as tiktok:
        catalog = await tiktok.get_gift_list(context.args.room)
    ordered = sorted(catalog, key=lambda gift: (gift.diamond_count, gift.name))
    if context.args.json:
        return _json(context, ordered)
    print_gifts(context, ordered)
    return EXIT_OK


def print_gifts(context: Context, gifts: list[Gift]) -> None:
    s = context.style
    print(s(f"{'id':>8}  {'diamonds':>8}  {'streak':6}  name", "dim"), file=context.out)
    for gift in gifts:
        streak = "yes" if gift.type == 1 else ""
        print(f"{gift.id:>8}  {number(gift.diamond_count):>8}  {streak:6}  {gift.name}", file=context.out)
    print(s(plural(len(gifts), "gift"), "dim"), file=context.out)


async def prices(context: Context) -> int:
    async with context.client() as tiktok:
        price_list = await tiktok.get_price_list()
    if context.args.json:
        return _json(context, price_list)
    print_prices(context, price_list)
    return EXIT_OK


def print_prices(context: Context, price_list: PriceList) -> None:
    s = context.style
    print(s(f"{'coins':>8}  {'USD':>9}  {'local':>10}", "dim"), file=context.out)
    for item in price_list.items:
        local = f"{item.local_price / 100:.2f} {item.currency}"
        print(f"{number(item.coins):>8}  {item.price / 100:>9.2f}  {local:>10}", file=context.out)


async def feed(context: Context) -> int:
    if context.args.pages < 1:
        raise UsageError("--pages must be at least 1")
    pages: list[FeedPage] = []
    async with context.client() as tiktok:
        async for page in tiktok.feed(pages=context.args.pages):
            pages.append(page)
            if not context.args.json:
                print_feed_page(context, page, first=len(pages) == 1)
    if context.args.json:
        return _json(context, [room for page in pages for room in page.rooms])
    return EXIT_OK


def print_feed_page(context: Context, page: FeedPage, *, first: bool) -> None:
    s: Style = context.style
    if first:
        print(s(f"{'viewers':>9}  {'room id':>20}  host / title", "dim"), file=context.out)
    for info in page.rooms:
        host = f"@{info.owner.username}" if info.owner else "?"
        line = f"{number(info.viewers):>9}  {info.room_id:>20}  {s(host.ljust(24), 'bold')}  {info.title}"
        print(line.rstrip(), file=context.out)
    context.out.flush()
