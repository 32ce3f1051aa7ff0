"""The `acd` command: serve, check-config, migrate, users, tokens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from acd import accounts_cli
from acd.config import ConfigError, Settings, load_settings


def _overrides(pairs: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError([f"--set {pair}: expected key=value"])
        result[key.strip()] = value
    return result


def _settings(args: argparse.Namespace) -> Settings:
    overrides = _overrides(args.set)
    if args.centre_dir:
        overrides["centre_dir"] = args.centre_dir
    return load_settings(args.config, overrides=overrides)


def _check_config(settings: Settings) -> int:
    from acd.centre import load_centre

    centre = load_centre(settings.centre_dir)
    print(
        f"{settings.centre_dir}: ok — {len(centre.skills)} skills, {len(centre.agents)} agents, "
        f"{len(centre.queues)} queues, {len(centre.ivr.menus)} IVR menus"
    )
    return 0


def _migrate(settings: Settings) -> int:
    from crm.db.engine import ensure_sqlite_directory
    from crm.db.migrate import upgrade

    ensure_sqlite_directory(settings.database_url)
    upgrade(settings.database_url)
    print(f"database at head: {settings.database_url}")
    return 0


def _serve(settings: Settings) -> int:
    from acd.bootstrap import serve
    from acd.logs import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="acd", description="Aiguilleur contact-centre server")
    parser.add_argument("--config", type=Path, help="TOML settings file")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting (http.port=9000)",
    )
    parser.add_argument("--centre-dir", help="the admin configuration directory (ivr-config/)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the server")
    sub.add_parser("check-config", help="validate settings and the admin configuration")
    sub.add_parser("migrate", help="bring the database schema up to date")
    accounts_cli.add_parsers(sub)
    args = parser.parse_args(argv)
    try:
        settings = _settings(args)
        if args.command in ("users", "tokens"):
            return accounts_cli.run(settings, args)
        command = {"serve": _serve, "check-config": _check_config, "migrate": _migrate}[
            args.command
        ]
        return command(settings)
    except ConfigError as exc:
        print("configuration errors:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
