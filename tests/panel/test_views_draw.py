"""/panel/<id>/draw/: the public draw page, with the commitment before and the result after.

The published pool, quotas and audit file must let anyone redo the draw: the test downloads them
as a visitor and runs ``observatory panel verify`` on them.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client
from django.urls import reverse

from observatory.accounts.models import AuditEntry
from observatory.panel import cli
from observatory.panel.core.draw import sample_panel, seed_from_text
from observatory.panel.models import Panel
from observatory.panel.services import distribution_sha256

from .test_views_new import member, pool_panel  # noqa: F401 (fixtures)

SEED = "7 12 19 23 41 48"


@pytest.fixture
def visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def close_and_commit(client, panel: Panel) -> Panel:
    client.post(reverse("panel:status", args=[panel.pk]), {"status": "closed"})
    response = client.post(reverse("panel:commit", args=[panel.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Panel.objects.get(pk=panel.pk)


def download(visitor, name: str, panel: Panel) -> bytes:
    response = visitor.get(reverse(f"panel:{name}-file", args=[panel.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_before_commitment_only_the_procedure(pool_panel, visitor):  # noqa: F811
    page = visitor.get(reverse("panel:draw", args=[pool_panel.pk])).content.decode()
    assert "seed = SHA-256 of the numbers drawn in public on" in page
    assert "six numbers drawn from a bag" in page
    assert 'id="pool-sha256"' not in page
    for name in ("pool", "quotas", "audit"):
        assert visitor.get(reverse(f"panel:{name}-file", args=[pool_panel.pk])).status_code == 404


def test_commitment_is_published_before_the_draw(client, pool_panel, visitor):  # noqa: F811
    panel = close_and_commit(client, pool_panel)
    assert panel.status == "committed"
    page = visitor.get(reverse("panel:draw", args=[panel.pk])).content.decode()
    pool = download(visitor, "pool", panel)
    quotas = download(visitor, "quotas", panel)
    assert hashlib.sha256(pool).hexdigest() == panel.pool_sha256 and panel.pool_sha256 in page
    assert hashlib.sha256(quotas).hexdigest() == panel.quotas_sha256 and panel.quotas_sha256 in page
    assert panel.distribution_sha256 in page
    assert "seed = SHA-256 of the numbers drawn in public on" in page
    # the anonymised pool: public ids and feature values, no contact
    lines = pool.decode().splitlines()
    assert lines[0] == "public_id,gender,age-bracket" and len(lines) == 17
    assert "Volunteer" not in pool.decode() and "@" not in pool.decode()
    assert quotas.decode().splitlines()[:2] == ["feature,value,min,max", "gender,woman,1,2"]
    assert visitor.get(reverse("panel:audit-file", args=[panel.pk])).status_code == 404
    # registration cannot reopen, quotas cannot change
    client.post(reverse("panel:status", args=[panel.pk]), {"status": "open"})
    assert Panel.objects.get(pk=panel.pk).status == "committed"


def test_draw_is_reproducible_and_the_audit_file_verifies(client, pool_panel, visitor, tmp_path, capsys):  # noqa: F811
    panel = close_and_commit(client, pool_panel)
    response = client.post(reverse("panel:run-draw", args=[panel.pk]), {"seed_text": SEED})
    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.status == "drawn"
    page = visitor.get(reverse("panel:draw", args=[panel.pk])).content.decode()
    audit = json.loads(download(visitor, "audit", panel))
    assert audit["seed"] == {"text": SEED, "sha256": hashlib.sha256(SEED.encode()).hexdigest()}
    assert len(audit["panel"]) == 4 and set(audit["panel"]) <= set(
        panel.volunteers.values_list("public_id", flat=True)
    )
    for member_id in audit["panel"]:
        assert member_id in page
    assert SEED in page and audit["seed"]["sha256"] in page
    assert f"observatory panel verify panel-{panel.pk}-audit.json panel-{panel.pk}-pool.csv" in page
    # the committed lottery is the one drawn from, and the draw is the announced numbers' draw
    assert distribution_sha256(audit["distribution"]) == panel.distribution_sha256
    assert sample_panel(audit["distribution"]["panels"], seed_from_text(SEED)) == audit["panel"]
    # anyone can verify with the three published files
    for name, suffix in (("audit", "audit.json"), ("pool", "pool.csv"), ("quotas", "quotas.csv")):
        (tmp_path / f"panel-{panel.pk}-{suffix}").write_bytes(download(visitor, name, panel))
    files = [str(tmp_path / f"panel-{panel.pk}-{s}") for s in ("audit.json", "pool.csv", "quotas.csv")]
    capsys.readouterr()
    assert cli.main(["verify", *files, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["matches"] and report["panel"] == audit["panel"]
    assert AuditEntry.objects.filter(action="panel.draw", object_id=str(panel.pk)).exists()


def test_a_draw_happens_once(client, pool_panel):  # noqa: F811
    panel = close_and_commit(client, pool_panel)
    client.post(reverse("panel:run-draw", args=[panel.pk]), {"seed_text": SEED})
    first = Panel.objects.get(pk=panel.pk).audit
    again = client.post(reverse("panel:run-draw", args=[panel.pk]), {"seed_text": "1 2 3 4 5 6"})
    assert again.status_code == 409
    assert "Only a committed panel can be drawn" in again.content.decode()
    assert Panel.objects.get(pk=panel.pk).audit == first


def test_empty_seed_is_refused(client, pool_panel):  # noqa: F811
    panel = close_and_commit(client, pool_panel)
    response = client.post(reverse("panel:run-draw", args=[panel.pk]), {"seed_text": "  "})
    assert response.status_code == 400 and response.context["draw_form"].errors["seed_text"]
    assert Panel.objects.get(pk=panel.pk).status == "committed"


def test_commit_needs_closed_registration(client, pool_panel):  # noqa: F811
    response = client.post(reverse("panel:commit", args=[pool_panel.pk]))
    assert response.status_code == 400 and "Close registration" in response.content.decode()
    assert Panel.objects.get(pk=pool_panel.pk).status == "open"


def test_visitors_cannot_commit_or_draw(pool_panel, visitor):  # noqa: F811
    for name in ("commit", "run-draw"):
        response = visitor.post(reverse(f"panel:{name}", args=[pool_panel.pk]), {"seed_text": SEED})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Panel.objects.get(pk=pool_panel.pk).status == "open"
