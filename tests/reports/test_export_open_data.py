"""observatory export-open-data: bad input (what it writes: tests/releases)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_bad_time_is_refused(tmp_path):
    with pytest.raises(CommandError, match="--since"):
        call_command("export_open_data", str(tmp_path / "x.csv"), "--since", "last week")
    assert not (tmp_path / "x.csv").exists()
