"""`acd users …` as an admin types it: a user's own language for the pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from acd.config import REPO_ROOT


def _acd(database: Path, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    url = f"database_url=sqlite+aiosqlite:///{database}"
    return subprocess.run(
        [sys.executable, "-m", "acd", "--set", url, *args],
        input=password,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    database = tmp_path / "acd.sqlite3"
    assert _acd(database, "migrate").returncode == 0
    return database


def test_a_user_is_added_with_a_language_and_set_back_to_the_centres(database: Path) -> None:
    added = _acd(
        database, "users", "add", "zoe", "--role", "supervisor", "--language", "en",
        password="correct horse battery\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert _acd(database, "users", "list").stdout.split() == [
        "zoe", "supervisor", "-", "active", "en",
    ]  # fmt: skip
    assert _acd(database, "users", "set-language", "zoe", "default").returncode == 0
    assert _acd(database, "users", "list").stdout.split()[-1] == "default"
    assert _acd(database, "users", "set-language", "zoe", "fr").returncode == 0
    assert _acd(database, "users", "list").stdout.split()[-1] == "fr"


def test_an_unknown_language_or_user_is_refused(database: Path) -> None:
    refused = _acd(
        database, "users", "add", "yan", "--role", "admin", "--language", "de",
        password="correct horse battery\n",
    )  # fmt: skip
    assert refused.returncode == 2 and "invalid choice: 'de'" in refused.stderr
    unknown = _acd(database, "users", "set-language", "nobody", "fr")
    assert unknown.returncode == 1 and "no user 'nobody'" in unknown.stderr
    assert _acd(database, "users", "list").stdout == ""
