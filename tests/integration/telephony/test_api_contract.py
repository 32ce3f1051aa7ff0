"""The API keeps its written contract: schemathesis generates requests from the OpenAPI
document (valid ones and invalid ones) and sends them, with an admin's bearer token, to a
live server on the sandbox Asterisk, on SQLite and PostgreSQL. No answer may be a 5xx,
every answer must be one the document describes, and invalid requests must be refused."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from acd.bootstrap import Server
from acd.config import Settings

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """The server on each test database backend."""
    return settings.model_copy(update={"database_url": database_url})


async def test_generated_requests_get_no_5xx_and_only_documented_answers(
    server: Server, tmp_path: Path
) -> None:
    _, token = await server.identity.create_token("contract", "admin")
    base = f"http://127.0.0.1:{server.http_port}"
    run = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS),
        "run",
        f"{base}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "15",
        "--seed",
        "20261202",
        "--generation-database",
        "none",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    output, _ = await asyncio.wait_for(run.communicate(), timeout=300)
    report = output.decode(errors="replace")
    assert run.returncode == 0, report[-6000:]
