"""`acd migrate` on a machine with nothing yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.cli import main


def test_migrate_creates_the_sqlite_database_and_its_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "state" / "acd.sqlite3"
    assert main(["--set", f"database_url=sqlite+aiosqlite:///{database}", "migrate"]) == 0
    assert database.exists()
    assert "database at head" in capsys.readouterr().out
    # Running it again is harmless.
    assert main(["--set", f"database_url=sqlite+aiosqlite:///{database}", "migrate"]) == 0
