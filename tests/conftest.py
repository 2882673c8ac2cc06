"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server"})
# A test module holding one of these may start a process that opens the database itself.
PROCESS_WORDS = ("subprocess", "Popen", "multiprocessing", "sys.executable", "os.system")


@cache
def _starts_processes(module: str) -> bool:
    text = Path(module).read_text(encoding="utf-8")
    return any(word in text for word in PROCESS_WORDS)


def _touches_the_database(item: pytest.Item) -> bool:
    """A test reads or writes the database when it asks for it (marker or fixture) or when its
    module starts processes (CLI commands, job workers) that open it themselves. pytest-django
    refuses every other database access, so the rest cannot depend on which database runs."""
    if item.get_closest_marker("django_db") is not None:
        return True
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    return _starts_processes(str(item.path))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``OBSERVATORY_DATABASE_TESTS_ONLY=1`` (CI's second run, on PostgreSQL): only the tests that
    touch the database. The others (pure cores: solvers, statistics, the simulation) never see a
    database, so a second run on another one would repeat the first to the bit."""
    if os.environ.get("OBSERVATORY_DATABASE_TESTS_ONLY") != "1":
        return
    kept = [item for item in items if _touches_the_database(item)]
    left = [item for item in items if not _touches_the_database(item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; a test that needs it fails when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: expected it at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def client():
    """A test client that reads the site in English: assertions on messages stay readable and
    do not depend on the French catalogue. Tests of the French default ask for it explicitly."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def paris_areas(db):
    """The Paris city pack's quartiers and arrondissements, loaded as an operator would."""
    from django.core.management import call_command

    call_command("load_areas", stdout=_Null())


class _Null:
    def write(self, *_args, **_kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.fixture
def make_user(db):
    """Create a user with the given roles (group names from observatory.accounts.roles)."""
    from django.contrib.auth.models import Group, User

    def make(username: str = "user", *roles: str, password: str = "a-long-test-password", **fields) -> User:
        user = User.objects.create_user(username=username, password=password, **fields)
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters, used challenges and per-process caches must not leak from one test
    into another (a test's rolled-back areas or categories would otherwise stay cached)."""
    from django.core.cache import cache

    from observatory.reports.services import areas, intake

    def forget_all():
        cache.clear()
        areas.forget()
        intake.forget_categories()

    forget_all()
    yield
    forget_all()


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    """Photos written by tests go to a temporary folder, never to var/private."""
    settings.OBSERVATORY_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _seed_rows(request):
    """The rows data migrations seed (roles, categories, kit types), present in every database test.

    Transactional tests (live server, threads) empty every table when they end, seeds included,
    and with several workers any test may come after one: recreating the seeds (idempotently,
    with the migrations' own functions) makes test order irrelevant.
    """
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    if marker is None and not fixtures & {"db", "transactional_db", "live_server"}:
        return
    request.getfixturevalue("db")  # the marker still decides whether it is transactional
    import importlib

    from django.apps import apps

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)


SEEDS = [
    ("observatory.accounts.migrations.0001_groups", "add_groups"),
    ("observatory.reports.migrations.0002_default_categories", "add_defaults"),
    ("observatory.fieldwork.migrations.0002_default_kit_types", "add_kits"),
    ("observatory.complaints.migrations.0002_referent_group", "add_group"),
]


@pytest.fixture(autouse=True)
def _no_remembered_refusals():
    """The early refusal map is per process: a test's flood must not block the next test."""
    from observatory.common import abuse

    abuse._refused.clear()
    yield
    abuse._refused.clear()


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) that Django sends to; the test reads what it received."""
    from mailserver import running

    with running(settings) as box:
        yield box
