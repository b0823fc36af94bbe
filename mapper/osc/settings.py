"""Where to listen and where to send, with Wekinator's defaults."""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_LISTEN = ("127.0.0.1", 6448)
DEFAULT_SEND = ("127.0.0.1", 12000)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_HOST = 253  # the longest DNS name
MAX_ADDRESS = 255  # an OSC address: a few words


def parse_host_port(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """'HOST:PORT', ':PORT' or 'PORT' -> (host, port); '[::1]:PORT' for IPv6. ValueError if bad."""
    text = text.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or default_host
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"{text!r} is not HOST:PORT (for example 127.0.0.1:6448)") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range 0..65535")
    return host, port


def format_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class OSCSettings:
    """The OSC side of a project: one listening port, one output target, two addresses."""

    listen_host: str = DEFAULT_LISTEN[0]
    listen_port: int = DEFAULT_LISTEN[1]
    send_host: str = DEFAULT_SEND[0]
    send_port: int = DEFAULT_SEND[1]
    input_address: str = "/wek/inputs"
    output_address: str = "/wek/outputs"

    def __post_init__(self) -> None:
        """ValueError naming the field (`listen_port: ...`) for a value that cannot work."""
        for name in ("listen_host", "send_host"):
            _check_text(name, getattr(self, name), MAX_HOST, "a host name or IP address")
        for name in ("listen_port", "send_port"):
            port = getattr(self, name)
            if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
                raise ValueError(f"{name} must be a port number 0..65535, not {_show(port)}")
        for name in ("input_address", "output_address"):
            address = getattr(self, name)
            _check_text(name, address, MAX_ADDRESS, "an OSC address such as /wek/inputs")
            if not address.startswith("/"):
                raise ValueError(f"{name}: OSC address {_show(address)} must start with '/'")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @property
    def listen(self) -> str:
        return format_host_port(self.listen_host, self.listen_port)

    @property
    def send(self) -> str:
        return format_host_port(self.send_host, self.send_port)

    @property
    def listens_beyond_this_machine(self) -> bool:
        return not is_loopback(self.listen_host)


def is_loopback(host: str) -> bool:
    """True for this machine's own addresses: a loopback IP (127.x.x.x, ::1) or `localhost`.
    Any other name is beyond this machine, whatever it looks like: `127.0.0.1.example.org`
    is a DNS name that may point anywhere."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:28]}...({len(text)} chars)"


def _check_text(name: str, value: Any, longest: int, what: str) -> None:
    """ValueError unless `value` is a string of 1..longest characters without spaces or
    control characters."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be {what} (a string), not {_show(value)}")
    if len(value) > longest:
        raise ValueError(f"{name} is {len(value)} characters long; at most {longest}")
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in value):
        raise ValueError(f"{name} {_show(value)} holds spaces or control characters")
