"""A real SMTP server on 127.0.0.1 (aiosmtpd), and a year of small counts released around it."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import h3
import numpy as np
import pytest

from observatory.releases import services as releases
from observatory.reports.models import Area, Category, CellDayCount

STALINGRAD = (48.8843, 2.3678)
FIRST = date(2026, 1, 1)


class Mailbox:
    """What the SMTP server received, parsed."""

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

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

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


@pytest.fixture
def smtp(settings):
    """Django sends through SMTP to a server started here; the test reads what it received."""
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


@pytest.fixture
def scene(db, paris_areas):
    """Counts over cells around Stalingrad for 100 days from FIRST (the released tables' input),
    and the quartier that holds Stalingrad."""
    rng = np.random.default_rng(21)
    categories = {c.code: c for c in Category.objects.all()}
    centre = h3.latlng_to_cell(*STALINGRAD, 9)
    cells = sorted(h3.grid_disk(centre, 6))
    rows = []
    for d in range(100):
        day = FIRST + timedelta(days=d)
        for cell in rng.choice(cells, size=15, replace=False):
            rows.append(
                CellDayCount(
                    cell=str(cell), category=categories["drug_use"], day=day, count=int(rng.integers(1, 4))
                )
            )
        for busy in cells[:4]:
            rows.append(
                CellDayCount(cell=busy, category=categories["litter"], day=day, count=int(rng.poisson(6)) + 1)
            )
    seen: dict[tuple, CellDayCount] = {}
    for r in rows:
        key = (r.cell, r.category_id, r.day)
        if key in seen:
            seen[key].count += r.count
        else:
            seen[key] = r
    CellDayCount.objects.bulk_create(seen.values())
    from observatory.reports.areas import locate_area

    quartier = locate_area(*STALINGRAD)
    assert quartier is not None and quartier.level == "quartier"
    return Area.objects.get(pk=quartier.pk)  # the cache keeps no geometry


def release_until(day: date):
    return releases.release_due(now=datetime.combine(day, datetime.min.time(), tzinfo=UTC))


def arrondissement_of(quartier: Area) -> Area:
    return Area.objects.get(level="arrondissement", code=quartier.parent_code)


@pytest.fixture
def make_report(db):
    """A pending report through the real intake path."""
    from observatory.reports.intake import ReportInput, submit

    def make(description: str = ""):
        report, _ = submit(
            ReportInput(category="drug_use", lat=STALINGRAD[0], lon=STALINGRAD[1], description=description),
            source="api",
        )
        return report

    return make
