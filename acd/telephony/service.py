"""The shell around the routing core: AMI events in, AMI actions out.

`TelephonyService` is the single writer (acd.telephony.writer) with each stage of a
call on it: inbound calls and the IVR, offers, the queued callback, outbound calls,
transfers, and catching up with Asterisk's channels at every login, each in its own
module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from acd.telephony import callback, inbound, offers, recovery, writer
from acd.telephony.callback import CallbackFlow
from acd.telephony.outbound import OutboundFlow
from acd.telephony.recovery import RecoveryFlow
from acd.telephony.transfer import TransferFlow
from acd.telephony.writer import Handler


class TelephonyService(RecoveryFlow, CallbackFlow, OutboundFlow, TransferFlow):
    handlers: ClassVar[Mapping[type, Handler]] = {
        **writer.HANDLERS,
        **offers.HANDLERS,
        **inbound.HANDLERS,
        **callback.HANDLERS,
        **recovery.HANDLERS,
    }
