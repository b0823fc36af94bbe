"""How a phone reaches this machine: its address on the local network, found without sending
anything, and the one line that says what to do when the instrument listens on loopback only
(the default, on purpose: a phone cannot reach 127.0.0.1)."""

from __future__ import annotations

import socket

from mapper.osc.settings import is_loopback
from mapper.sources.spec import SourceSpec

SOMEWHERE = "this machine's address"
# a private address to "connect" a UDP socket towards: no packet is sent, the kernel only
# picks the interface (and so the address) it would use
PROBE = ("10.255.255.255", 9)


def lan_address() -> str:
    """This machine's address on its local network, or `SOMEWHERE` when there is none."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(PROBE)
            address = str(s.getsockname()[0])
    except OSError:
        return SOMEWHERE
    if not address or address.startswith("0.") or is_loopback(address):
        return SOMEWHERE
    return address


def where_to_send(spec: SourceSpec | None, host: str, port: int) -> str:
    """What to tell the performer about pointing the phone here: with a phone's source on a
    loopback address, how to listen beyond it; otherwise where the app sends. '' without a
    phone source."""
    if spec is None or not spec.phone:
        return ""
    if is_loopback(host):
        return (
            f"a phone cannot reach {host}: add --listen 0.0.0.0:{port} and set the app to "
            f"send to {lan_address()}:{port}"
        )
    shown = lan_address() if host in ("0.0.0.0", "::", "") else host
    return f"set the app ({spec.name}) to send to {shown}:{port}"
