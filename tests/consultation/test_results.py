"""/consultations/<id>/results/: nothing before the end; then the tally, method, table, participation."""

import pytest

from observatory.consultation import services

from .conftest import set_state

pytestmark = pytest.mark.django_db


def test_results_appear_only_at_the_end_with_the_pairwise_table(client, make_consultation, codes, quartiers):
    c = make_consultation()
    first, second = c.quartiers.order_by("code")
    slips = codes(c, 3, first) + codes(c, 2, second)
    for code, ranking in zip(slips, [[3, 1], [3, 2], [1, 3], [3], []], strict=True):
        services.cast_ballot(c, ranking, code=code)
    url = f"/consultations/{c.pk}/results/"
    pending = client.get(url).content.decode()
    assert "published when the vote closes" in pending and "Gare du Nord" not in pending
    assert client.get(f"/consultations/{c.pk}/ballots.csv").status_code == 403

    set_state(c, "over")
    html = client.get(url).content.decode()
    assert 'class="winner-name">Gare du Nord<' in html
    assert "Here a Condorcet winner exists." in html
    assert 'id="pairwise"' in html and "Strongest paths" in html
    assert "5 ballots" in html and "1 blank" in html
    participation = client.get(url).context["participation"]
    rows = {r["quartier"]: (r["ballots"], r["codes"], r["turnout"]) for r in participation.rows}
    assert rows == {first.name: (3, 3, 1.0), second.name: (2, 2, 1.0)}


def test_approval_results_show_the_approvals(client, make_consultation, make_user):
    c = make_consultation(eligibility="account", method="approval")
    for i, choices in enumerate([[1, 2], [2], [2, 0]]):
        services.cast_ballot(c, choices, account=make_user(f"u{i}"))
    set_state(c, "over")
    response = client.get(f"/consultations/{c.pk}/results/")
    assert 'class="winner-name">Porte de la Villette<' in response.content.decode()
    assert [row["approvals"] for row in response.context["table"]] == [1, 3, 0, 1]  # none last
