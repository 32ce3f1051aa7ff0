"""Server settings: embedded defaults < TOML file < ACD_* environment < command line.

Every layer is validated together at start; every bad key is reported at once.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
)

DEFAULT_STATE_DIR = Path(os.environ.get("AIGUILLEUR_STATE", "/var/cache/aiguilleur"))
REPO_ROOT = Path(__file__).resolve().parent.parent


NumberType = Literal[
    "fixed_line",
    "mobile",
    "fixed_line_or_mobile",
    "voip",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "uan",
    "pager",
    "voicemail",
]


# The languages the pages are written in: one catalogue each in acd/web/i18n/.
Language = Literal["fr", "en"]


def _comma_separated_list(value: Any) -> Any:
    """A list setting from the environment or --set, which give one string: "a,b"."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(5038, ge=1, le=65535)
    username: str = "aiguilleur"
    # Either the secret itself (ACD_AMI_SECRET) or a file holding it.
    secret: SecretStr | None = None
    secret_file: Path = DEFAULT_STATE_DIR / "ami.secret"
    ping_interval: float = Field(5.0, gt=0)
    ping_timeout: float = Field(3.0, gt=0)
    action_timeout: float = Field(5.0, gt=0)
    reconnect_delay: float = Field(1.0, gt=0)
    # Send the Filter action at each login. It needs the root-equivalent `system`
    # class, so by default the event filter is the manager user's `eventfilter`
    # lines instead (ivr-config/asterisk/manager_eventfilters.conf).
    subscribe_filter: bool = False

    def resolved_secret(self) -> str:
        """The AMI secret, read from `secret_file` when not given directly."""
        if self.secret is not None:
            return self.secret.get_secret_value()
        try:
            return self.secret_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(
                [
                    f"ami.secret_file: cannot read {self.secret_file} ({exc.strerror}); "
                    "set ACD_AMI_SECRET or run scripts/asterisk-sandbox up"
                ]
            ) from exc


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # Host names (no port) requests may name in Host and Origin, against DNS rebinding and
    # cross-site WebSockets; empty means the bound host, localhost and 127.0.0.1.
    allowed_hosts: tuple[str, ...] = ()
    # How long a sign-in lasts.
    session_hours: float = Field(12, gt=0, le=24 * 31)
    # Mark the session cookie Secure: set it when a TLS reverse proxy fronts the server.
    secure_cookies: bool = False
    # Where customers reach the links in our mails (D7, Q4); empty: this server's address.
    public_url: Annotated[str, Field(pattern=r"^(https?://[^\s/?#]{1,253}(/[^\s?#]*)?)?$")] = ""
    # Signs those links: the secret itself, or a file holding it (made at the first start
    # when it can be). Every node of a centre must use the same one.
    link_secret: SecretStr | None = None
    link_secret_file: Path = DEFAULT_STATE_DIR / "link.secret"

    def link_base(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    _comma_separated = field_validator("allowed_hosts", mode="before")(_comma_separated_list)

    def host_allow_list(self) -> frozenset[str]:
        if self.allowed_hosts:
            return frozenset(h.lower() for h in self.allowed_hosts)
        return frozenset({self.host.lower(), "localhost", "127.0.0.1"})


class FastAgiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(4573, ge=0, le=65535)
    # Addresses (or networks) of the Asterisk servers; any other peer is closed unread.
    allowed_peers: tuple[IPvAnyNetwork, ...] = (
        IPv4Network("127.0.0.1/32"),
        IPv6Network("::1/128"),
    )
    _comma_separated = field_validator("allowed_peers", mode="before")(_comma_separated_list)
    # Sessions at once; a connection over the cap is closed at once.
    max_sessions: int = Field(100, ge=1)
    # Seconds for the whole agi_* header block, and for one command's reply (a
    # prompt plays before its reply comes, so this bounds the longest prompt).
    header_timeout: float = Field(5.0, gt=0)
    command_timeout: float = Field(60.0, gt=0)
    # Seconds a session waits for its call to become known (its AcdInbound event is
    # read over AMI and may be handled just after the session opens).
    known_call_wait: float = Field(2.0, ge=0)


class TelephonySettings(_Section):
    # Dial string of an agent's phone; {agent} is the agent id.
    agent_dial: str = "PJSIP/{agent}"
    # Dial string of an outside number through the operator trunk.
    outbound_dial: str = "PJSIP/{number}@trunk"
    # The number customers see when the centre calls them (outbound calls and callbacks);
    # empty: the trunk's own. Never the dialled number.
    outbound_caller_id: str = Field("", pattern=r"^(\+?[0-9]{2,20})?$")
    # Numbers an agent or a callback may dial: these types of the region's numbers
    # (phonenumbers' names), international numbers only when allowed, and the numbers
    # listed (short codes, a premium line), dialled as written.
    allowed_number_types: tuple[NumberType, ...] = (
        "fixed_line",
        "mobile",
        "fixed_line_or_mobile",
        "voip",
    )
    allow_international: bool = False
    allowed_numbers: tuple[Annotated[str, Field(pattern=r"^\+?[0-9]{2,20}$")], ...] = ()
    # Seconds an agent's phone rings for an outbound or callback call.
    agent_answer_timeout: float = Field(30, gt=0)
    # Seconds a customer's phone rings for an outbound or callback call.
    customer_answer_timeout: float = Field(30, gt=0)
    # Times the server tries to reach a customer who asked to be called back.
    callback_attempts: int = Field(3, ge=1)
    # A caller goes back to the agent who handled their last call within this window (S9).
    last_agent_window_hours: float = Field(24, ge=0)


class MailSettings(_Section):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # None: upgrade to TLS when the server offers it.
    smtp_start_tls: bool | None = None
    from_address: str = "support@aiguilleur.invalid"
    company_name: str = "Aiguilleur support"
    # Failed sends after which a mail gives up into the failed state (GET /api/outbox/failed).
    max_attempts: int = Field(10, ge=1)
    # Customer replies delivered by the centre's mail server (S5): off until a port is set.
    inbound_host: str = "127.0.0.1"
    inbound_port: int | None = Field(None, ge=0, le=65535)
    inbound_protocol: Literal["lmtp", "smtp"] = "lmtp"


class CaseRuleSettings(_Section):
    """The values the case rules leave open, with the domain's defaults."""

    # S5: a case waiting for the customer closes after this many hours without reply.
    auto_close_hours: float = Field(24, gt=0, le=24 * 365)
    # Q2: a contact opens a new case once the open one is idle this many days.
    join_idle_days: float = Field(28, gt=0, le=3650)
    # S1: a repeat contact within this many days raises the priority.
    repeat_contact_days: float = Field(7, ge=0, le=365)
    # S1: customer tier -> priority steps added to "normal".
    tier_priority_boost: dict[str, Annotated[int, Field(ge=0, le=3)]] = Field(
        default_factory=lambda: {"gold": 1, "vip": 2}, max_length=50
    )
    # S1: IVR path (e.g. "menu:main>2") -> minimum priority of the case it opens.
    ivr_priority: dict[str, Literal["low", "normal", "high", "urgent"]] = Field(
        default_factory=dict, max_length=200
    )
    # P5: a follow-up contact keeps the customer with its author this many hours.
    follow_up_hours: float = Field(3, ge=0, le=24 * 30)
    # Q4: at most one satisfaction survey per contact within this many hours.
    csat_cooldown_hours: float = Field(24, ge=0, le=24 * 365)
    # Q4: send an acknowledgement when a case is created.
    send_acknowledgement: bool = True
    # C1: task reminders fire this many minutes before the due time, by default.
    reminder_minutes_before: int = Field(10, ge=0, le=60 * 24 * 31)


class WebhookSettings(_Section):
    url: str
    secret: SecretStr
    # Event names to send ("case.created", "call.ended", ...); empty means all.
    events: tuple[str, ...] = ()


class Settings(_Section):
    """Everything the server needs to start, with embedded defaults."""

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_STATE_DIR / 'aiguilleur.sqlite3'}"
    centre_dir: Path = REPO_ROOT / "ivr-config"
    default_region: str = "FR"
    # The pages' language until a user picks theirs on the page.
    default_language: Language = "fr"
    log_format: Literal["auto", "console", "json"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Open cases an agent may own before automatic case assignment skips them (S2).
    case_capacity: int = Field(4, ge=0)
    # Also keep new calls away from agents whose case queue is full. Off by default:
    # every answered call opens or joins a case, so a busy centre would stall.
    case_capacity_gates_calls: bool = False
    # Seconds between two passes of the scheduler (auto-close, reminders, mail, webhooks).
    scheduler_interval: float = Field(5.0, gt=0)
    # Failed calls after which a webhook delivery gives up into the failed state.
    webhook_max_attempts: int = Field(10, ge=1)
    # Journal rows held while the database is away; beyond, new rows are refused and counted.
    journal_max_backlog: int = Field(100_000, ge=1)
    # Reports: callers who hang up within this many seconds of waiting are short
    # abandons, counted apart and left out of service level and abandon rate.
    short_abandon_seconds: float = Field(5, ge=0)
    ami: AmiSettings = AmiSettings()
    mail: MailSettings = MailSettings()
    cases: CaseRuleSettings = CaseRuleSettings()
    webhooks: tuple[WebhookSettings, ...] = ()
    http: HttpSettings = HttpSettings()
    fastagi: FastAgiSettings = FastAgiSettings()
    telephony: TelephonySettings = TelephonySettings()


class ConfigError(Exception):
    """Invalid configuration; `problems` lists every one, each on its own line."""

    code = "invalid_config"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _env_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Map ACD_SECTION_FIELD names to the dotted paths they set."""
    keys: dict[str, tuple[str, ...]] = {}
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.update(_env_keys(annotation, path))
        else:
            keys["ACD_" + "_".join(path).upper()] = path
    return keys


def _set_path(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(
    file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings from every layer; raise ConfigError listing every bad key.

    `overrides` uses dotted keys (``{"http.port": 9000}``), as the CLI does.
    """
    problems: list[str] = []
    layers: dict[str, Any] = {}
    if file is not None:
        try:
            layers = tomllib.loads(file.read_text())
        except OSError as exc:
            problems.append(f"{file}: cannot read ({exc.strerror})")
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{file}: {exc}")
    env = os.environ if env is None else env
    known = _env_keys(Settings)
    for name, value in env.items():
        if not name.startswith("ACD_"):
            continue
        if name in known:
            _set_path(layers, known[name], value)
        else:
            problems.append(f"{name}: unknown setting (known: {', '.join(sorted(known))})")
    override_tree: dict[str, Any] = {}
    for dotted, value in (overrides or {}).items():
        _set_path(override_tree, tuple(dotted.split(".")), value)
    layers = _merge(layers, override_tree)
    if problems:
        raise ConfigError(problems)
    try:
        return Settings.model_validate(layers)
    except ValidationError as exc:
        source = f"{file}: " if file else ""
        raise ConfigError(
            [f"{source}{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from None
