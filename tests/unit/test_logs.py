"""Log output: one JSON object per line, ours and the standard library's, secrets masked."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from acd.logs import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers[:], root.level = handlers, level


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_mask_secrets_and_keep_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    log = structlog.get_logger("test")
    log.info("ami_login", username="acd", secret="s3cr3t", attempt=1)
    log.debug("below_the_level")
    try:
        raise ValueError("bad frame")
    except ValueError:
        log.exception("frame_rejected")
    logging.getLogger("aiohttp.server").warning("peer %s reset", "10.0.0.1")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    assert [line["event"] for line in lines] == [
        "ami_login",
        "frame_rejected",
        "peer 10.0.0.1 reset",
    ]
    assert lines[0]["secret"] == "***"
    assert lines[0]["username"] == "acd"
    assert "ValueError: bad frame" in lines[1]["exception"]
    assert {line["level"] for line in lines} == {"info", "error", "warning"}
    assert all(line["timestamp"].endswith("Z") for line in lines)


@pytest.mark.usefixtures("restore_logging")
def test_warning_level_drops_the_call_flow_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "warning")
    structlog.get_logger("test").info("agent_state", agent="a1")
    structlog.get_logger("test").warning("ami_disconnected")

    lines = capsys.readouterr().err.splitlines()

    assert [json.loads(line)["event"] for line in lines] == ["ami_disconnected"]
