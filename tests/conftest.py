"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; a test that needs it fails when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder is missing: expected it at {SHARED_DATA}")
    return SHARED_DATA


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

    from observatory.reports import areas, intake

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


def pytest_collection_modifyitems(items):
    """Transactional tests (live server, threads) empty every table when they end, including the
    rows that data migrations seed (categories, roles, kit types...). Serialised rollback puts
    those rows back before each such test, so test order never matters."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker is not None
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
                append=False,
            )


@pytest.fixture(autouse=True)
def _no_remembered_refusals():
    """The early refusal map is per process: a test's flood must not block the next test."""
    from observatory.web import abuse

    abuse._refused.clear()
    yield
    abuse._refused.clear()
