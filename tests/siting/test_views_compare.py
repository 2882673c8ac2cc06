"""/siting/compare/: saved scenarios side by side."""

from __future__ import annotations

from django.urls import reverse

from .test_views_new import create, member, scene  # noqa: F401 (fixtures)


def test_side_by_side(client, member, scene):  # noqa: F811
    a = create(client, name="Deux salles", p="2")
    b = create(client, name="Trois salles", p="3")
    c = create(client, name="Au plus proche", model="pmedian", p="1")
    response = client.get(reverse("siting:compare"), {"s": [a.pk, b.pk, c.pk]})
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [col["scenario"].name for col in columns] == ["Deux salles", "Trois salles", "Au plus proche"]
    assert [len(col["sites"]) for col in columns] == [2, 3, 1]
    # one more room covers at least as much
    assert columns[1]["result"]["coverage_share"] >= columns[0]["result"]["coverage_share"]
    page = response.content.decode()
    for label in ("Coverage", "Mean walking distance", "Worst walking distance", "Open sites"):
        assert label in page or label in page.replace("&#x27;", "'")
    assert page.count('<td class="coverage">') == 3


def test_needs_two_scenarios(client, member, scene):  # noqa: F811
    a = create(client)
    response = client.get(reverse("siting:compare"), {"s": [a.pk]})
    assert response.status_code == 400
    assert "at least two" in " ".join(response.context["form"].errors["s"])
    assert client.get(reverse("siting:compare")).status_code == 200  # the empty chooser
