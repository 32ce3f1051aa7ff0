"""The FastAGI reader: what Asterisk (or anyone) sends is read bounded and parsed into types."""

from __future__ import annotations

import asyncio

import pytest

from acd.ami.fastagi import (
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_LINE_BYTES,
    AgiProtocolError,
    AgiReply,
    UnsafeAgiValue,
    _AgiLink,
    parse_reply,
    quoted,
    read_headers,
    script_name,
)
from acd.telephony.ivr import CallerHungUp

HEADERS = (
    b"agi_network: yes\n"
    b"agi_network_script: ivr\n"
    b"agi_request: agi://127.0.0.1:4573/ivr\n"
    b"agi_channel: Local/0189000001@from-trunk-00000001;2\n"
    b"agi_uniqueid: 1712345678.42\n"
    b"agi_callerid: 0611000001\n"
    b"agi_extension: 0189000001\n"
    b"\n"
)


def _link(data: bytes, eof: bool = True) -> tuple[_AgiLink, asyncio.StreamReader]:
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return _AgiLink(reader), reader


async def test_a_header_block_is_read_up_to_its_blank_line_into_a_dict() -> None:
    link, _ = _link(HEADERS + b"200 result=1\n")
    headers = await read_headers(link, timeout=1)
    assert headers["agi_uniqueid"] == "1712345678.42"
    assert headers["agi_callerid"] == "0611000001"
    assert script_name(headers) == "ivr"
    assert await link.line() == "200 result=1"  # the reply after it is left unread


async def test_the_script_is_taken_from_the_request_url_when_asterisk_omits_its_name() -> None:
    assert script_name({"agi_request": "agi://127.0.0.1:4573/callback?x=1"}) == "callback"
    assert script_name({}) == ""


@pytest.mark.parametrize(
    "data",
    [b"", b"agi_network: yes\n", b"agi_network: ye", b"\x00" * 100],
    ids=["nothing", "a header then close", "half a line then close", "junk then close"],
)
async def test_a_client_that_closes_before_the_blank_line_ends_the_session_at_once(
    data: bytes,
) -> None:
    link, _ = _link(data)
    with pytest.raises((CallerHungUp, AgiProtocolError)):
        await read_headers(link, timeout=1)


async def test_ten_thousand_junk_bytes_without_a_newline_are_refused_as_an_overlong_line() -> None:
    link, _ = _link(b"x" * 10_000, eof=False)
    with pytest.raises(AgiProtocolError, match="line longer"):
        await read_headers(link, timeout=1)


async def test_a_line_that_is_not_an_agi_header_ends_the_session() -> None:
    link, _ = _link(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", eof=False)
    with pytest.raises(AgiProtocolError, match="not an AGI header"):
        await read_headers(link, timeout=1)


async def test_a_header_block_over_the_size_limit_is_refused() -> None:
    line = b"agi_arg_1: " + b"a" * (MAX_LINE_BYTES - 20) + b"\n"
    link, _ = _link(line * (MAX_HEADER_BYTES // len(line) + 1), eof=False)
    with pytest.raises(AgiProtocolError, match="header block over"):
        await read_headers(link, timeout=1)


async def test_more_headers_than_the_limit_are_refused() -> None:
    lines = b"".join(b"agi_arg_%d: x\n" % n for n in range(MAX_HEADERS + 1))
    link, _ = _link(lines, eof=False)
    with pytest.raises(AgiProtocolError, match="more than"):
        await read_headers(link, timeout=1)


async def test_a_header_block_trickling_in_is_dropped_at_its_deadline() -> None:
    link, reader = _link(b"", eof=False)

    async def trickle() -> None:
        for byte in HEADERS:
            reader.feed_data(bytes([byte]))
            await asyncio.sleep(0.05)

    feeder = asyncio.create_task(trickle())
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(AgiProtocolError, match=r"within 0\.3 s"):
        await read_headers(link, timeout=0.3)
    assert loop.time() - started < 0.5
    feeder.cancel()


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("200 result=1", AgiReply(200, "1")),
        ("200 result=0 endpos=8000", AgiReply(200, "0", None, 8000)),
        ("200 result= (timeout)", AgiReply(200, "", "timeout")),
        ("200 result=2 (timeout)", AgiReply(200, "2", "timeout")),
        ("200 result=-1", AgiReply(200, "-1")),
        ("200 result=1 (some value (with parens))", AgiReply(200, "1", "some value (with parens)")),
        ("100 result=0 Trying...", AgiReply(100, data="result=0 Trying...")),
        ("510 Invalid or unknown command", AgiReply(510, data="Invalid or unknown command")),
        (
            "511 Command Not Permitted on a dead channel or intercept routine",
            AgiReply(511, data="Command Not Permitted on a dead channel or intercept routine"),
        ),
        ("520 End of proper usage.", AgiReply(520, data="End of proper usage.")),
    ],
)
def test_each_reply_asterisk_sends_is_parsed_into_a_typed_result(
    line: str, reply: AgiReply
) -> None:
    assert parse_reply(line) == reply


@pytest.mark.parametrize("line", ["", "HTTP/1.1 200 OK", "200", "200 ok", "2000 result=1"])
def test_a_line_that_is_no_agi_reply_is_a_protocol_error(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_reply(line)


@pytest.mark.parametrize("value", ['a"b', "a\rb", "a\nSET VARIABLE X 1", "a\x00b", "a\\"])
def test_a_value_that_could_break_out_of_its_agi_argument_is_refused(value: str) -> None:
    with pytest.raises(UnsafeAgiValue):
        quoted(value)


def test_an_ordinary_value_is_quoted_as_one_argument() -> None:
    assert quoted("support queue é") == '"support queue é"'
