"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1): Django sends through SMTP to
it and the test reads back what it received. The ``smtp`` fixture (tests/conftest.py) starts one
per test; alerts, bulletins and subscriptions use it."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage


class Mailbox:
    """The messages the server received, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def wait(self, n: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    @staticmethod
    def body(msg: EmailMessage) -> str:
        part = msg.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    @staticmethod
    def link(msg: EmailMessage, pattern: str) -> str:
        m = re.search(r"https?://[^/\s]+(" + pattern + r")", Mailbox.body(msg))
        assert m, f"no link {pattern} in {Mailbox.body(msg)!r}"
        return m.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(settings) -> Iterator[Mailbox]:
    """A server for the duration of the block, with Django's e-mail settings pointed at it."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.OBSERVATORY_SITE_URL = "http://testserver"
    try:
        yield box
    finally:
        controller.stop()
