"""Where to listen and where to send, with Wekinator's defaults."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LISTEN = ("127.0.0.1", 6448)
DEFAULT_SEND = ("127.0.0.1", 12000)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


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
        for address in (self.input_address, self.output_address):
            if not address.startswith("/"):
                raise ValueError(f"OSC address {address!r} must start with '/'")

    @property
    def listen(self) -> str:
        return format_host_port(self.listen_host, self.listen_port)

    @property
    def send(self) -> str:
        return format_host_port(self.send_host, self.send_port)

    @property
    def listens_beyond_this_machine(self) -> bool:
        return self.listen_host not in LOOPBACK_HOSTS and not self.listen_host.startswith("127.")
