"""Settings layering and the admin configuration check (`acd check-config`)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from acd.bootstrap import crm_settings
from acd.centre import load_centre
from acd.cli import main
from acd.config import REPO_ROOT, ConfigError, load_settings
from crm.domain.cases import Priority

EXAMPLE = REPO_ROOT / "ivr-config"


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    file = tmp_path / "acd.toml"
    file.write_text('log_level = "warning"\n[http]\nport = 9000\nhost = "0.0.0.0"\n')
    settings = load_settings(
        file,
        env={"ACD_HTTP_PORT": "9100", "ACD_AMI_HOST": "10.0.0.5"},
        overrides={"http.port": 9200},
    )
    assert settings.log_level == "warning"  # file over default
    assert settings.http.host == "0.0.0.0"
    assert settings.ami.host == "10.0.0.5"  # env over default
    assert settings.http.port == 9200  # command line over env over file


def test_list_settings_come_from_the_environment_comma_separated() -> None:
    # A container is told the Asterisk servers' addresses in its environment.
    settings = load_settings(
        env={
            "ACD_FASTAGI_ALLOWED_PEERS": "172.31.250.2, 10.1.0.0/24",
            "ACD_HTTP_ALLOWED_HOSTS": "acd.example,wallboard.example",
        }
    )
    assert settings.fastagi.allowed_peers == (
        IPv4Network("172.31.250.2/32"),
        IPv4Network("10.1.0.0/24"),
    )
    assert settings.http.allowed_hosts == ("acd.example", "wallboard.example")


def test_every_bad_setting_is_reported_at_once(tmp_path: Path) -> None:
    file = tmp_path / "acd.toml"
    file.write_text('log_level = "loud"\n[http]\nport = "eighty"\ncolour = "blue"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(file, env={})
    text = str(raised.value)
    assert "log_level" in text and "http.port" in text and "http.colour" in text


def test_the_case_rule_values_are_settings_with_the_domains_defaults(tmp_path: Path) -> None:
    # S5, Q2, S1, P5, Q4, C1
    defaults = crm_settings(load_settings(env={}))
    assert defaults.auto_close_after == timedelta(hours=24)
    assert defaults.join_idle_after == timedelta(days=28)
    assert defaults.follow_up_window == timedelta(hours=3)
    assert defaults.csat_cooldown == timedelta(hours=24)
    assert (defaults.max_cases_per_agent, defaults.send_acknowledgement) == (4, True)
    file = tmp_path / "acd.toml"
    file.write_text(
        "[cases]\nauto_close_hours = 48\njoin_idle_days = 14\nsend_acknowledgement = false\n"
        '[cases.ivr_priority]\n"menu:main>9" = "urgent"\n'
    )
    chosen = crm_settings(load_settings(file, env={"ACD_CASES_FOLLOW_UP_HOURS": "1.5"}))
    assert chosen.auto_close_after == timedelta(hours=48)
    assert chosen.join_idle_after == timedelta(days=14)
    assert chosen.follow_up_window == timedelta(hours=1.5)
    assert chosen.send_acknowledgement is False
    assert chosen.ivr_priority == {"menu:main>9": Priority.URGENT}


def test_a_case_rule_value_out_of_range_is_refused_at_start(tmp_path: Path) -> None:
    file = tmp_path / "acd.toml"
    file.write_text(
        "[cases]\nauto_close_hours = 0\nreminder_minutes_before = -1\n"
        '[cases.tier_priority_boost]\ngold = 9\n[cases.ivr_priority]\n"x" = "asap"\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(file, env={})
    text = str(raised.value)
    for name in (
        "auto_close_hours",
        "reminder_minutes_before",
        "tier_priority_boost",
        "ivr_priority",
    ):
        assert f"cases.{name}" in text, name


def test_the_pages_default_language_is_french_and_only_a_language_they_have() -> None:
    assert load_settings(env={}).default_language == "fr"
    assert load_settings(env={"ACD_DEFAULT_LANGUAGE": "en"}).default_language == "en"
    with pytest.raises(ConfigError, match="default_language"):
        load_settings(env={"ACD_DEFAULT_LANGUAGE": "de"})


def test_an_unknown_environment_setting_is_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match="ACD_HTTP_PROT: unknown setting"):
        load_settings(env={"ACD_HTTP_PROT": "80"})


def test_the_ami_secret_is_never_shown_in_the_settings_repr() -> None:
    settings = load_settings(env={"ACD_AMI_SECRET": "hunter2"})
    assert settings.ami.resolved_secret() == "hunter2"
    assert "hunter2" not in repr(settings)


def test_the_example_configuration_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--centre-dir", str(EXAMPLE), "check-config"]) == 0
    assert "ok" in capsys.readouterr().out


def _broken_copy(tmp_path: Path, filename: str, old: str, new: str) -> Path:
    centre = tmp_path / "ivr-config"
    shutil.copytree(EXAMPLE, centre, ignore=shutil.ignore_patterns("asterisk"))
    path = centre / filename
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return centre


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_check_config_points_at_file_and_line_of_an_unknown_skill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    centre = _broken_copy(
        tmp_path, "agents.yaml", "{office: primary, hotel: secondary}", "{offfice: primary}"
    )
    assert main(["--centre-dir", str(centre), "check-config"]) == 2
    err = capsys.readouterr().err
    line = _line_of(centre / "agents.yaml", "offfice")
    assert f"agents.yaml:{line}: agents.1001.skills.offfice: unknown skill 'offfice'" in err


def test_check_config_points_at_a_bad_value_and_a_misspelt_key(tmp_path: Path) -> None:
    centre = _broken_copy(
        tmp_path, "queues.yaml", "ring_timeout: 15            #", "ring_timout: -1            #"
    )
    with pytest.raises(ConfigError) as raised:
        load_centre(centre)
    line = _line_of(centre / "queues.yaml", "ring_timout")
    assert any(
        p.startswith(f"{centre / 'queues.yaml'}:{line}:") and "ring_timout" in p
        for p in raised.value.problems
    )


def test_an_overflow_loop_is_refused_at_load(tmp_path: Path) -> None:  # D9
    centre = _broken_copy(
        tmp_path,
        "queues.yaml",
        "    wrapup_time: 10\n",
        "    wrapup_time: 10\n    overflow_to: office\n",
    )
    with pytest.raises(ConfigError, match="overflow loop"):
        load_centre(centre)


def test_a_yaml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    centre = _broken_copy(tmp_path, "ivr.yaml", '"1": {queue: office}', '"1": {queue: office')
    with pytest.raises(ConfigError) as raised:
        load_centre(centre)
    assert f"{centre / 'ivr.yaml'}:" in str(raised.value)


def test_an_ivr_choice_to_an_unknown_queue_is_refused(tmp_path: Path) -> None:  # D1
    centre = _broken_copy(tmp_path, "ivr.yaml", '"2": {queue: hotel}', '"2": {queue: hotell}')
    with pytest.raises(ConfigError) as raised:
        load_centre(centre)
    line = _line_of(centre / "ivr.yaml", "hotell")
    assert f"ivr.yaml:{line}: ivr.menus.main.choices.2.queue: unknown queue 'hotell'" in str(
        raised.value
    )


def test_an_intake_question_with_an_unknown_type_is_refused_at_its_line(
    tmp_path: Path,
) -> None:  # D4
    centre = _broken_copy(tmp_path, "intake.yaml", "type: yes_no", "type: maybe")
    with pytest.raises(ConfigError) as raised:
        load_centre(centre)
    line = _line_of(centre / "intake.yaml", "type: maybe")
    assert any(p.startswith(f"{centre / 'intake.yaml'}:{line}:") for p in raised.value.problems), (
        raised.value
    )


def test_an_intake_script_for_an_unknown_queue_is_refused(tmp_path: Path) -> None:  # D4
    centre = _broken_copy(tmp_path, "intake.yaml", "  hotel:", "  hotell:")
    with pytest.raises(
        ConfigError, match=re.escape("intake.queues.hotell: unknown queue 'hotell'")
    ):
        load_centre(centre)


def test_the_mail_link_secret_is_made_once_and_an_unwritable_place_is_a_clear_error(
    tmp_path: Path,
) -> None:  # D7
    place = {"ACD_HTTP_LINK_SECRET_FILE": str(tmp_path / "state" / "link.secret")}
    first = crm_settings(load_settings(env=place)).link_secret
    assert len(first) >= 32 and crm_settings(load_settings(env=place)).link_secret == first
    given = crm_settings(load_settings(env={"ACD_HTTP_LINK_SECRET": "s3cret"}))
    assert given.link_secret == "s3cret"
    (tmp_path / "ro").mkdir(mode=0o500)
    unwritable = {"ACD_HTTP_LINK_SECRET_FILE": str(tmp_path / "ro" / "sub" / "link.secret")}
    if os.geteuid() == 0:  # root writes anywhere: a file's parent that is a file fails too
        (tmp_path / "ro" / "sub").write_text("")
    with pytest.raises(ConfigError, match="ACD_HTTP_LINK_SECRET"):
        crm_settings(load_settings(env=unwritable))
