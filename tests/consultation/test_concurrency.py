"""One vote per code under concurrent submissions, each thread with its own database connection.

On PostgreSQL the threads share the test database. Django's SQLite test database lives in
memory with a shared cache, where concurrent writers get "table is locked" at once instead of
waiting: there the race runs on a file copy of the test database, opened with the production
settings (WAL, IMMEDIATE transactions, busy timeout), which is what a deployment uses.
"""

import contextlib
import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest
from django.db import connection

from observatory.consultation import services
from observatory.consultation.models import Ballot, VoteCode
from observatory.consultation.services import ConsultationError

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@contextlib.contextmanager
def _shared_database():
    """Where the threads connect: the test database itself, or a file copy of it on SQLite."""
    if connection.vendor != "sqlite":
        yield
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "race.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings_dict = connection.settings_dict  # the dict new thread connections are built from
        name = settings_dict["NAME"]
        settings_dict["NAME"] = str(path)
        try:
            yield
        finally:
            settings_dict["NAME"] = name


def _in_threads(fn, n: int) -> list:
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = fn(i)
        except Exception as exc:  # refusals and unexpected errors alike are asserted on
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _read(fn):
    """Run a query on a connection of its own (the database the threads wrote to)."""
    return _in_threads(lambda _i: fn(), 1)[0]


def test_the_same_code_sent_at_once_by_eight_phones_stores_one_ballot(make_consultation, codes):
    consultation = make_consultation()
    code = codes(consultation, 1)[0]
    with _shared_database():
        outcomes = _in_threads(lambda i: services.cast_ballot(consultation, [1 + i % 3], code=code), THREADS)
        ballots = _read(lambda: list(Ballot.objects.values_list("choices", flat=True)))
        used = _read(lambda: VoteCode.objects.get().used_at)
    stored = [o for o in outcomes if isinstance(o, services.CastResult)]
    refused = [o for o in outcomes if isinstance(o, ConsultationError)]
    assert len(stored) == 1 and len(refused) == THREADS - 1, outcomes
    assert all(r.field == "code" and "already been used" in r.message for r in refused)
    assert ballots == [stored[0].ballot.choices]
    assert used is not None


def test_one_account_voting_at_once_from_four_devices_keeps_one_ballot(make_consultation, make_user):
    consultation = make_consultation(eligibility="account")
    user = make_user("bob")
    with _shared_database():
        outcomes = _in_threads(lambda i: services.cast_ballot(consultation, [1 + i % 3], account=user), 4)
        count = _read(lambda: Ballot.objects.filter(consultation=consultation).count())
    assert all(isinstance(o, services.CastResult) for o in outcomes), outcomes
    assert count == 1
