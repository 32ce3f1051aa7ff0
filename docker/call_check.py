"""A real call through the Docker deployment, checked as a supervisor would see it.

Run by scripts/docker-test on the host, with the Python standard library only:

    python3 docker/call_check.py call NUMBER      a caller dials in; agent 1001 answers on a
                                                  softphone registered over the published
                                                  SIP port; the call is routed and journaled
    python3 docker/call_check.py journaled NUMBER the journal still holds NUMBER's call

The caller is a Local channel originated over AMI from inside the acd container (AMI
is reachable from nowhere else). The agent's phone is baresip on the host's loopback.
The test's settings come from the environment scripts/docker-test sets: COMPOSE (the
compose command, space-separated), AIGUILLEUR_API_PORT, AIGUILLEUR_SIP_PORT,
AIGUILLEUR_SECRETS_DIR.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

AGENT = "1001"
# A DID of ivr-config/ivr.yaml that goes straight to a queue agent 1001 serves (hotel).
DID = "0189000002"
DEADLINE_S = 30

COMPOSE = os.environ["COMPOSE"].split()
API = f"http://127.0.0.1:{os.environ['AIGUILLEUR_API_PORT']}"
SIP_PORT = int(os.environ["AIGUILLEUR_SIP_PORT"])
SECRETS = Path(os.environ["AIGUILLEUR_SECRETS_DIR"])

# Runs inside the acd container: the server's own AMI user, on the internal network.
AMI_CLIENT = r"""
import os, socket, sys

def send(sock, reader, action, **fields):
    lines = [f"Action: {action}", "ActionID: check"] + [f"{k}: {v}" for k, v in fields.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    while True:
        block = {}
        while (line := reader.readline()) != "\r\n":
            if not line:
                sys.exit(f"{action}: Asterisk closed the connection")
            key, _, value = line.partition(":")
            block[key.strip()] = value.strip()
        # The response, not an event the action set off (Hangup reports each channel).
        if block.get("ActionID") == "check" and "Response" in block:
            if block.get("Response") not in ("Success", "Goodbye"):
                sys.exit(f"{action}: {block}")
            return

sock = socket.create_connection((os.environ["ACD_AMI_HOST"], 5038), timeout=10)
reader = sock.makefile("r", newline="\r\n")
reader.readline()  # the banner
secret = open(os.environ["ACD_AMI_SECRET_FILE"]).read().strip()
send(sock, reader, "Login", Username="aiguilleur", Secret=secret, Events="off")
if sys.argv[1] == "call":
    send(sock, reader, "Originate", Channel=f"Local/{sys.argv[2]}@from-trunk",
         Context="test-callers", Exten="s", Priority="1", CallerID=f"<{sys.argv[3]}>",
         Async="true")
else:
    send(sock, reader, "Hangup", Channel="/^Local\\//")
send(sock, reader, "Logoff")
"""


def compose(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [*COMPOSE, *args], input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def ami(*args: str) -> None:
    compose("exec", "-T", "acd", "python3", "-", *args, stdin=AMI_CLIENT)


def api(token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        API + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def until(what: str, probe: Callable[[], Any]) -> Any:
    """The first true value `probe` gives within the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    sys.exit(f"call_check: {what} did not happen within {DEADLINE_S} s")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def softphone(agent: str) -> Iterator[None]:
    """baresip registered as `agent` over the published SIP port, answering every call."""
    password = next(
        line.split()[1]
        for line in (SECRETS / "sip_passwords").read_text().splitlines()
        if line.split()[:1] == [agent]
    )
    with tempfile.TemporaryDirectory() as home:
        Path(home, "accounts").write_text(
            f"<sip:{agent}@127.0.0.1:{SIP_PORT};transport=udp>"
            f";auth_pass={password};answermode=auto;regint=60\n"
        )
        Path(home, "config").write_text(
            f"sip_listen 127.0.0.1:{free_udp_port()}\n"
            f"audio_player aufile,{home}/heard.wav\n"
            # ausine makes 48 kHz stereo only; baresip resamples it for G.711.
            "audio_source ausine,440\nausrc_srate 48000\nausrc_channels 2\n"
            "audio_alert aufile,/dev/null\n"
            "module_path /usr/lib/baresip/modules\n"
            "module g711.so\nmodule aufile.so\nmodule ausine.so\n"
            "module_app account.so\nmodule_app menu.so\n"
        )
        log = Path(home, "baresip.log")
        with log.open("w") as out:
            phone = subprocess.Popen(
                ["baresip", "-f", home], stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
        try:
            until(
                f"the registration of {agent}",
                lambda: (
                    f"Contact:  {agent}/"
                    in compose("exec", "-T", "asterisk", "asterisk", "-rx", "pjsip show contacts")
                ),
            )
            yield
        except SystemExit:
            print(log.read_text(), file=sys.stderr)
            raise
        finally:
            phone.terminate()
            phone.wait(10)


def rtp_received(agent: str) -> int:
    """RTP packets Asterisk received on the agent's channel, through the published ports."""
    stats = compose("exec", "-T", "asterisk", "asterisk", "-rx", "pjsip show channelstats")
    for line in stats.splitlines():
        fields = line.split()
        # BridgeId ChannelId UpTime Codec ReceiveCount ...
        if len(fields) > 4 and fields[1].startswith(f"{agent}-") and fields[4].isdigit():
            return int(fields[4])
    return 0


def supervisor_token() -> str:
    name = f"docker-test-{os.getpid()}-{int(time.time())}"
    return compose(
        "exec", "-T", "acd", "acd", "tokens", "create", "--role", "supervisor", "--name", name
    ).split()[-1]


def journaled(token: str, number: str) -> dict[str, Any]:
    """The journal's entry for the call from `number`, over the API and in PostgreSQL."""
    entry = until(
        f"the journal entry of {number}",
        lambda: next(
            (
                e
                for e in api(token, f"/api/v1/journal?number={number}")
                if e.get("agent_id") == AGENT and e.get("ended_at")
            ),
            None,
        ),
    )
    row = compose(
        "exec",
        "-T",
        "db",
        "psql",
        "-At",
        "-d",
        "aiguilleur",
        "-c",
        "SELECT call_id, agent_id, queue FROM calls WHERE remote_number LIKE "
        f"'%{number.lstrip('0')}' AND answered_at IS NOT NULL",
    ).strip()
    if entry["call_id"] not in row.split("|"):
        sys.exit(f"call_check: the call {entry['call_id']} is not in PostgreSQL: {row!r}")
    return dict(entry)


def place_call(number: str) -> None:
    token = supervisor_token()
    with softphone(AGENT):
        api(token, f"/api/v1/agents/{AGENT}/state", {"state": "ready"})
        ami("call", DID, number)
        call = until(
            f"agent {AGENT} answering the call from {number}",
            lambda: next(
                (
                    c
                    for c in api(token, "/api/v1/calls/live")
                    if c["agent_id"] == AGENT and c["phase"] == "connected"
                ),
                None,
            ),
        )
        print(
            f"call_check: routed {call['call_id']} from {call['caller']} "
            f"through {call['ivr_path']} to agent {AGENT} in queue {call['queue']}"
        )
        packets = until(f"RTP from agent {AGENT}'s phone", lambda: rtp_received(AGENT))
        print(f"call_check: Asterisk received {packets} RTP packets from the phone")
        ami("hangup")
    entry = journaled(token, number)
    print(
        f"call_check: journaled in PostgreSQL: {entry['call_id']} "
        f"(queue {entry.get('queue')}, outcome {entry.get('outcome')})"
    )


def main() -> None:
    command, number = sys.argv[1], sys.argv[2]
    if command == "call":
        place_call(number)
    elif command == "journaled":
        entry = journaled(supervisor_token(), number)
        print(f"call_check: still journaled after down and up: {entry['call_id']}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
