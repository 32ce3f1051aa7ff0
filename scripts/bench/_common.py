"""Helpers shared by the dispatch, ingest and scale benchmarks (not by the server)."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Every run's report, git-ignored; docs/benchmarks.md keeps the run of record.
BENCH_RUNS = REPO / "var" / "bench"
STATE = Path(os.environ.get("AIGUILLEUR_STATE", "/var/cache/aiguilleur"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# The bench centre (scripts/bench/acd_server.py): one DID straight to one queue.
BENCH_DID = "0189900000"
QUEUE = "bench"


def agent_ids(count: int, first: int = 7000) -> list[str]:
    return [str(first + n) for n in range(count)]


def is_primary(index: int) -> bool:
    """Four agents in five hold the skill as primary (penalty 0 in app_queue)."""
    return index % 5 != 4


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (NaN when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads) from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    fields = Path(f"/proc/{pid}/statm").read_text().split()
    return int(fields[1]) * PAGE


def asterisk_pid(wait: float = 60.0) -> int:
    """The sandbox Asterisk's pid (waits while someone restarts it)."""
    import time

    deadline = time.monotonic() + wait
    while True:
        try:
            pid = int((STATE / "asterisk.pid").read_text().strip())
            cpu_seconds(pid)
            return pid
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# The benchmarks drive Asterisk (AstDB, CLI, test callers) as the sandbox's test
# user: the server's own user has no `system` or `command` class.
AMI_TEST_USER = "aiguilleur-test"


def ami_test_secret() -> str:
    return (STATE / "ami-test.secret").read_text().strip()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        asterisk = (
            subprocess.run(
                [str(REPO / "scripts" / "asterisk-sandbox"), "cli", "core show version"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            .stdout.split(" built")[0]
            .strip()
        )
    except (OSError, subprocess.SubprocessError):
        asterisk = "Asterisk (version unknown)"
    return (
        f"{cpu}, {os.cpu_count()} cores (shared), Linux {platform.release()}, "
        f"Python {platform.python_version()}, {asterisk}"
    )


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    try:
        script_str = str(script.relative_to(REPO))
    except ValueError:
        script_str = str(script)
    return " ".join([".venv/bin/python", script_str, *sys.argv[1:]])


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (numbers right-aligned)."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]

    def line(items: list[str], numeric: list[bool]) -> str:
        return (
            "| "
            + " | ".join(
                item.rjust(w) if num else item.ljust(w)
                for item, w, num in zip(items, widths, numeric, strict=True)
            )
            + " |"
        )

    numeric = [all(_is_number(r[i]) for r in rows) if rows else False for i in range(len(headers))]
    sep = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if num else ("-" * (w + 2))
            for w, num in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join([line(headers, numeric), sep, *(line(r, numeric) for r in cells)])


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def record_run(title: str, body: str, result: dict[str, object]) -> Path:
    """Write one run's report to var/bench/<bench>-<UTC time>.json (git-ignored): the
    command, the machine, the Markdown tables printed and the last line's figures. The
    run of record is copied into docs/benchmarks.md by hand."""
    now = _dt.datetime.now(_dt.UTC)
    bench = Path(sys.argv[0]).stem
    path = BENCH_RUNS / f"{bench}-{now:%Y%m%dT%H%M%SZ}.json"
    run = {
        "bench": bench,
        "title": title,
        "at": now.isoformat(timespec="seconds"),
        "command": command_line(),
        "machine": machine(),
        "report": body.strip(),
        "result": result,
    }
    BENCH_RUNS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    print(f"run recorded in {path.relative_to(REPO)}")
    return path
