"""A real SMTP server (aiosmtpd) in the test process, on a free port; the app sends to it."""

import email
import socket
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted: its envelope's recipients and the message."""

    recipients: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def text(self) -> str:
        """Everything a reader could see: the headers and the decoded body."""
        headers = "\n".join(f"{k}: {v}" for k, v in self.message.items())
        return headers + "\n" + self.message.get_content()


class _Handler:
    def __init__(self, received: list):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted"


class SMTPServer:
    """start(), stop(), and `received`: the messages delivered so far."""

    def __init__(self):
        self.port = _free_port()
        self.received: list[Received] = []
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(_Handler(self.received), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


@pytest.fixture
def smtp(app):
    """The running server; the app's PARCOURS_MAIL_URL points to it during the test."""
    server = SMTPServer()
    server.start()
    app.config["MAIL_URL"] = server.url
    try:
        yield server
    finally:
        server.stop()
        app.config["MAIL_URL"] = None
