"""Voting rules in services.cast_ballot: one vote per code, changes, refusals that store nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.consultation import services
from observatory.consultation.models import Ballot, VoteCode
from observatory.consultation.services import ConsultationError

pytestmark = pytest.mark.django_db


def _refused(field: str, match: str, fn, *args, **kwargs):
    before = (Ballot.objects.count(), VoteCode.objects.filter(used_at__isnull=False).count())
    with pytest.raises(ConsultationError, match=match) as exc:
        fn(*args, **kwargs)
    assert exc.value.field == field
    assert (Ballot.objects.count(), VoteCode.objects.filter(used_at__isnull=False).count()) == before


def test_a_code_votes_once_then_its_change_key_replaces_the_ballot(make_consultation, codes):
    c = make_consultation()
    code = codes(c, 1)[0]
    first = services.cast_ballot(c, [1, 2], code=code.lower().replace("-", " "))  # typed loosely
    assert first.change_key and not first.replaced
    _refused("code", "already been used", services.cast_ballot, c, [2, 1], code=code)
    changed = services.cast_ballot(c, [3, 0], code=first.change_key)
    assert changed.replaced and changed.ballot.pk == first.ballot.pk
    assert Ballot.objects.get().choices == [3, 0]
    assert Ballot.objects.get().area == c.quartiers.order_by("code").first()


def test_refusals_name_the_field_and_store_nothing(make_consultation, codes):
    c = make_consultation()
    other = make_consultation(question="Another one")
    mine, theirs = codes(c, 1)[0], codes(other, 1)[0]
    _refused("code", "another consultation", services.cast_ballot, c, [1], code=theirs)
    _refused("code", "not valid", services.cast_ballot, c, [1], code="AAAA-BBBB-CCCC")
    _refused("code", "Type the code", services.cast_ballot, c, [1], code="")
    _refused("choices", "appears twice", services.cast_ballot, c, [1, 2, 1], code=mine)
    _refused("choices", "not on this ballot", services.cast_ballot, c, [9], code=mine)
    late = c.ends_at + timedelta(seconds=1)
    _refused("", "ended", services.cast_ballot, c, [1], code=mine, now=late)
    early = c.starts_at - timedelta(seconds=1)
    _refused("", "opens", services.cast_ballot, c, [1], code=mine, now=early)
    assert services.cast_ballot(c, [1], code=mine).ballot  # the code still works after all that


def test_an_account_has_one_ballot_that_it_can_change(make_consultation, make_user, quartiers):
    c = make_consultation(eligibility="account", method="approval")
    alice = make_user("alice")
    services.cast_ballot(c, [1, 2], account=alice, area=quartiers[0])
    again = services.cast_ballot(c, [3], account=alice, area=None)
    assert again.replaced and again.change_key is None
    assert Ballot.objects.get().choices == [3]
    from django.contrib.auth.models import AnonymousUser

    _refused("", "Log in", services.cast_ballot, c, [1], account=AnonymousUser())


def test_codes_are_stored_hashed_and_only_for_code_consultations(make_consultation, codes):
    c = make_consultation()
    printed = codes(c, 5)
    assert len(set(printed)) == 5 and all(len(p) == 14 for p in printed)
    stored = set(VoteCode.objects.values_list("code_hash", flat=True))
    assert not any(p in h or p.replace("-", "") in h for p in printed for h in stored)
    assert services.secret_hash(printed[0]) in stored
    by_account = make_consultation(eligibility="account")
    with pytest.raises(ConsultationError, match="registered residents"):
        services.generate_codes(by_account, 3)


def test_add_site_options_is_all_or_nothing_and_closed_once_voting_starts(make_consultation):
    c = make_consultation(state="upcoming", sites=[])
    with pytest.raises(ConsultationError, match=r"sites\[1\]") as exc:
        services.add_site_options(c, [{"name": "A", "lat": 48.88, "lon": 2.36}, {"name": "B", "lat": 48.88}])
    assert exc.value.field == "lon"
    with pytest.raises(ConsultationError, match="outside the city"):
        services.add_site_options(c, [{"name": "Lyon", "lat": 45.76, "lon": 4.83}])
    assert c.options.count() == 1  # only "none of these"
    added = services.add_site_options(c, [{"name": "A", "lat": 48.88, "lon": 2.36, "coverage_share": 0.5}])
    assert added[0].position == 1 and added[0].evidence == {"coverage_share": 0.5}
    c.starts_at = timezone.now() - timedelta(minutes=1)
    c.save()
    with pytest.raises(ConsultationError, match="has started"):
        services.add_site_options(c, [{"name": "Late", "lat": 48.88, "lon": 2.36}])
