"""The one composition root: every part of the server is built and wired here.

Nothing is built at import time; tests build the same graph with other settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

import structlog

from acd import routing
from acd.ami.client import AmiClient
from acd.ami.fastagi import FastAgiServer
from acd.api.app import HttpRunner, create_app, listen
from acd.bus import EventBus
from acd.centre import BusinessHours, Centre, agent_specs, intake_scripts, load_centre, queue_specs
from acd.config import ConfigError, Settings
from acd.metrics import Metrics
from acd.telephony.affinity import CallerAffinity
from acd.telephony.case_assigner import CaseAssigner
from acd.telephony.desk import TicketDesk
from acd.telephony.destinations import DestinationPolicy
from acd.telephony.journal import JournalWriter
from acd.telephony.restore import restore_plan
from acd.telephony.service import TelephonyService
from crm.clock import Clock, SystemClock
from crm.db.engine import Engine, create_engine, ensure_sqlite_directory
from crm.db.monitoring import DatabaseMonitor
from crm.db.reports import ReportRepository
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.cases import Priority
from crm.domain.reporting import ReportRules
from crm.identity import IdentityService
from crm.mail.receiver import MailReceiver
from crm.mail.sender import MailSender, SmtpSettings
from crm.reports import ReportingService, ReportSettings
from crm.scheduler import Scheduler
from crm.services import CrmService
from crm.settings import CrmSettings, WebhookEndpoint
from crm.webhooks import WebhookSender, WebhookSettings

log = structlog.get_logger(__name__)


@dataclass
class Server:
    settings: Settings
    centre: Centre
    bus: EventBus
    crm: CrmService
    identity: IdentityService
    journal: JournalWriter
    ami: AmiClient
    telephony: TelephonyService
    desk: TicketDesk
    metrics: Metrics
    fastagi: FastAgiServer
    http: HttpRunner
    engine: Engine
    scheduler: asyncio.Task[None]
    stopping: asyncio.Event
    http_port: int = 0
    mail_in: MailReceiver | None = None
    assigner: CaseAssigner | None = None

    async def stop(self) -> None:
        self.stopping.set()
        await self.scheduler
        if self.mail_in is not None:
            await self.mail_in.stop()
        if self.assigner is not None:
            await self.assigner.stop()
        await self.http.cleanup()
        await self.fastagi.stop()
        await self.telephony.stop()
        await self.desk.stop()
        await self.metrics.stop()
        await self.ami.close()
        await self.journal.stop()
        await self.engine.dispose()


async def start_server(
    settings: Settings, centre: Centre | None = None, clock: Clock | None = None
) -> Server:
    """Build every part from `settings` and start them; the caller must `stop()`."""
    # Long on purpose: the one place that shows every part and the order they start in.
    centre = centre if centre is not None else load_centre(settings.centre_dir)
    clock = clock or SystemClock()
    ensure_sqlite_directory(settings.database_url)
    engine = create_engine(settings.database_url)
    uow_factory = UnitOfWorkFactory(engine)
    crm = CrmService(uow_factory, clock, crm_settings(settings, centre))
    reports = ReportingService(ReportRepository(engine), clock, report_settings(settings, centre))
    identity = IdentityService(
        uow_factory, clock, session_lifetime=timedelta(hours=settings.http.session_hours)
    )
    scheduler = _scheduler(settings, uow_factory, clock, crm)
    bus = EventBus()
    database = DatabaseMonitor(engine)
    metrics = Metrics(bus, database)
    journal = JournalWriter(metrics.timed_recorder(crm), max_backlog=settings.journal_max_backlog)
    telephony = _telephony(settings, centre, crm, bus, journal, clock)
    desk = TicketDesk(bus, crm, telephony, intake_scripts(centre))
    fastagi = FastAgiServer.from_settings(
        settings.fastagi,
        {"ivr": telephony.handle_ivr, "callback": telephony.handle_callback_offer},
        known_call=telephony.wait_known_call,
    )
    await fastagi.start()
    telephony.fastagi_url = f"agi://{settings.fastagi.host}:{fastagi.port}"
    ami_client = AmiClient.from_settings(settings.ami, telephony.on_ami)
    metrics.watch(telephony, journal)
    await journal.start()
    await desk.start()
    await metrics.start()
    stopping = asyncio.Event()
    scheduler_task = asyncio.create_task(
        scheduler.run_forever(stopping, settings.scheduler_interval), name="scheduler"
    )
    await telephony.start(ami_client)
    # Before Asterisk is reached: no call is offered to an agent not yet put back.
    agent_ids = {spec.agent_id for spec in agent_specs(centre)}
    for command in restore_plan(await crm.last_agent_states(agent_ids), agent_ids):
        await telephony.command(command)
    await ami_client.start()
    runner, port = await _start_http(
        settings, centre, telephony, crm, bus, journal, identity, metrics, database, reports
    )
    mail_in = await _start_mail_in(settings, crm)
    # Once agents are back in their states: it assigns cases only to available agents.
    assigner = CaseAssigner(bus, crm, telephony.router, centre, capacity=settings.case_capacity)
    await assigner.start()
    log.info(
        "server_started",
        http=f"http://{settings.http.host}:{port}",
        ami=f"{settings.ami.host}:{settings.ami.port}",
        fastagi=telephony.fastagi_url,
        mail_in=None if mail_in is None else f"{settings.mail.inbound_host}:{mail_in.port}",
    )
    return Server(
        settings,
        centre,
        bus,
        crm,
        identity,
        journal,
        ami_client,
        telephony,
        desk,
        metrics,
        fastagi,
        runner,
        engine,
        scheduler_task,
        stopping,
        port,
        mail_in,
        assigner,
    )


def _scheduler(
    settings: Settings, uow_factory: UnitOfWorkFactory, clock: Clock, crm: CrmService
) -> Scheduler:
    return Scheduler(
        crm,
        MailSender(uow_factory, clock, _smtp_settings(settings)),
        WebhookSender(
            uow_factory,
            clock,
            crm.settings.webhooks,
            WebhookSettings(max_attempts=settings.webhook_max_attempts),
        ),
    )


def _telephony(
    settings: Settings,
    centre: Centre,
    crm: CrmService,
    bus: EventBus,
    journal: JournalWriter,
    clock: Clock,
) -> TelephonyService:
    """The call flow around a routing core built from the centre's queues and agents."""
    # S2 always governs case assignment (in the CRM); calls respect it only when asked.
    gate = settings.case_capacity_gates_calls
    router = routing.Router(
        queue_specs(centre),
        agent_specs(centre),
        case_capacity=settings.case_capacity if gate else None,
    )
    affinity = CallerAffinity(crm, timedelta(hours=settings.telephony.last_agent_window_hours))
    return TelephonyService(
        centre,
        router,
        bus,
        settings.telephony,
        journal=journal,
        destinations=DestinationPolicy.from_settings(settings.telephony, settings.default_region),
        affinity=affinity,
        clock=clock.now,
    )


async def _start_http(
    settings: Settings,
    centre: Centre,
    telephony: TelephonyService,
    crm: CrmService,
    bus: EventBus,
    journal: JournalWriter,
    identity: IdentityService,
    metrics: Metrics,
    database: DatabaseMonitor,
    reports: ReportingService,
) -> tuple[HttpRunner, int]:
    """The HTTP API and pages, listening; returns the runner and the port it got."""
    app = create_app(
        telephony,
        crm,
        bus,
        centre=centre,
        reports=reports,
        journal_writer=journal,
        identity=identity,
        metrics=metrics,
        database=database,
        allowed_hosts=settings.http.host_allow_list(),
        secure_cookies=settings.http.secure_cookies,
        language=settings.default_language,
    )
    return await listen(app, settings.http.host, settings.http.port)


async def _start_mail_in(settings: Settings, crm: CrmService) -> MailReceiver | None:
    mail = settings.mail
    if mail.inbound_port is None:
        return None
    receiver = MailReceiver(
        crm.receive_mail,
        host=mail.inbound_host,
        port=mail.inbound_port,
        protocol=mail.inbound_protocol,
    )
    await receiver.start()
    return receiver


def _link_secret(settings: Settings) -> str:
    if settings.http.link_secret is not None:
        return settings.http.link_secret.get_secret_value()
    path = settings.http.link_secret_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # made before, or by a process alongside
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32))
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            [
                f"http.link_secret_file: cannot make or read {path} ({exc.strerror}); "
                "set ACD_HTTP_LINK_SECRET or ACD_HTTP_LINK_SECRET_FILE"
            ]
        ) from exc


def crm_settings(settings: Settings, centre: Centre | None = None) -> CrmSettings:
    """The CRM's rule values from the server's settings (validated when they were read),
    and the centre's time zone for the dates in mails."""
    rules = settings.cases
    hours = (centre.ivr.business_hours if centre else None) or BusinessHours()
    return CrmSettings(
        default_region=settings.default_region,
        default_language=settings.default_language,
        timezone=hours.timezone,
        auto_close_after=timedelta(hours=rules.auto_close_hours),
        join_idle_after=timedelta(days=rules.join_idle_days),
        repeat_contact_window=timedelta(days=rules.repeat_contact_days),
        tier_priority_boost=dict(rules.tier_priority_boost),
        ivr_priority={path: Priority(value) for path, value in rules.ivr_priority.items()},
        max_cases_per_agent=settings.case_capacity,
        reminder_minutes_before=rules.reminder_minutes_before,
        send_acknowledgement=rules.send_acknowledgement,
        csat_cooldown=timedelta(hours=rules.csat_cooldown_hours),
        follow_up_window=timedelta(hours=rules.follow_up_hours),
        public_url=settings.http.link_base(),
        link_secret=_link_secret(settings),
        mail_from=settings.mail.from_address,
        company_name=settings.mail.company_name,
        webhooks=tuple(
            WebhookEndpoint(
                url=hook.url, secret=hook.secret.get_secret_value(), events=frozenset(hook.events)
            )
            for hook in settings.webhooks
        ),
    )


def report_settings(settings: Settings, centre: Centre) -> ReportSettings:
    """The centre's time zone (its business hours') and the report rules."""
    hours = centre.ivr.business_hours or BusinessHours()
    return ReportSettings(
        timezone=hours.timezone,
        default_region=settings.default_region,
        rules=ReportRules(
            short_abandon_s=settings.short_abandon_seconds,
            service_level_targets={
                name: queue.service_level_target for name, queue in centre.queues.items()
            },
        ),
    )


def _smtp_settings(settings: Settings) -> SmtpSettings:
    mail = settings.mail
    return SmtpSettings(
        host=mail.smtp_host,
        port=mail.smtp_port,
        username=mail.smtp_username,
        password=mail.smtp_password.get_secret_value() if mail.smtp_password else None,
        start_tls=mail.smtp_start_tls,
        max_attempts=mail.max_attempts,
    )


def freeze_startup_heap() -> None:
    """Once per process, after `start_server`: what start-up allocated (modules, the
    configuration, the core's agents) lives as long as the process, so keep the cyclic
    collector from rescanning it at every full collection: none of it becomes garbage."""
    gc.freeze()


async def serve(settings: Settings) -> None:
    """Run until cancelled (Ctrl-C or SIGTERM)."""
    server = await start_server(settings)
    freeze_startup_heap()
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
