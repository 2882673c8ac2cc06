"""What ``load-demo`` loads beside the reports, so that every page has something to show.

Everything comes from the same simulated year as the demo reports where the simulation knows it
(outreach rounds, the consumption room's visits, the clearance of the colline, the residents layer
of the scene estimate, the what-if run), and is made up, plausibly and with a fixed seed, where it
does not (the plan, the other care places, the consultations, the citizens' panel). Each loader
is idempotent: it recognises what it loaded before by a name, a code or a key, and adds nothing
the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from shapely.geometry import box, mapping

from observatory.analysis.models import ReportingArea
from observatory.consultation import services as consultation_services
from observatory.consultation.models import Consultation
from observatory.fieldwork.models import (
    CarePlace,
    Indicator,
    IndicatorValue,
    KitType,
    Membership,
    Operation,
    Organisation,
    PlaceCount,
    Round,
    RoundKit,
)
from observatory.fieldwork.services import indicators
from observatory.geo import MetricProjection
from observatory.panel import services as panel_services
from observatory.panel.models import Feature, FeatureValue, Panel, Volunteer
from observatory.reports.models import Area
from observatory.reports.services.areas import locate_area_id, locate_area_ids
from observatory.simulation import services as simulation_services
from observatory.simulation.models import Run, SavedScenario

DEMO_SOURCE = "Démo : année simulée (scénario Paris)"
ROUND_KEY = "demo-round:"


def _utc(times: np.ndarray, offset: dt.timedelta) -> list[dt.datetime]:
    return [
        dt.datetime.fromisoformat(str(t)).replace(tzinfo=dt.UTC) + offset
        for t in times.astype("datetime64[s]")
    ]


def _day_shift(offset: dt.timedelta) -> dt.timedelta:
    """The offset in whole days (a negative offset of hours is no day, not minus one day)."""
    return dt.timedelta(days=round(offset.total_seconds() / 86400))


def _local_today() -> dt.date:
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


# Outreach rounds ---------------------------------------------------------------------------------


def load_rounds(result: Any, offset: dt.timedelta, members: list[User]) -> int:
    """The simulated year's outreach rounds: one round per place visited, its route the place
    (a point), ``people_met`` the people the team saw, ``new_contacts`` those it spoke with."""

    rounds = result.rounds
    sc = result.scenario
    if not len(rounds):
        return 0
    keys = [f"{ROUND_KEY}{sc.name}:{i}" for i in range(len(rounds))]
    if Round.objects.filter(submission_key__in=keys[:1] + keys[-1:]).count() == 2:
        return 0
    seen = set(
        Round.objects.filter(submission_key__startswith=ROUND_KEY).values_list("submission_key", flat=True)
    )
    organisations = {}
    for name in sorted(set(rounds.organisation.tolist())):
        org, _ = Organisation.objects.get_or_create(
            name=str(name), defaults={"kind": Organisation.Kind.OUTREACH}
        )
        organisations[str(name)] = org
        for user in members:
            Membership.objects.get_or_create(organisation=org, user=user)
    places = sc.places
    lat = np.array([places[int(k)].lat for k in rounds.place])
    lon = np.array([places[int(k)].lon for k in rounds.place])
    area_ids = locate_area_ids(lat, lon)
    starts, ends = _utc(rounds.start, offset), _utc(rounds.end, offset)
    now = timezone.now()
    new = []
    for i, key in enumerate(keys):
        if key in seen or starts[i] > now:
            continue
        new.append(
            (
                Round(
                    organisation=organisations[str(rounds.organisation[i])],
                    started_at=starts[i],
                    ended_at=min(ends[i], now),
                    route={
                        "type": "Point",
                        "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)],
                    },
                    people_met=int(rounds.people_seen[i]),
                    new_contacts=int(rounds.contacts[i]),
                    referrals_care=int(rounds.referrals[i]),
                    source=Round.Source.IMPORT,
                    submission_key=key,
                    notes_reviewed=True,
                ),
                area_ids[i],
            )
        )
    with transaction.atomic():
        Round.objects.bulk_create([r for r, _ in new], batch_size=2000)
        through = Round.areas.through
        through.objects.bulk_create(
            [through(round_id=r.pk, area_id=a) for r, a in new if a is not None], batch_size=2000
        )
        _kits([r for r, _ in new], rounds, keys)
    return len(new)


def _kits(stored: list[Any], rounds: Any, keys: list[str]) -> None:
    """Kits handed out: the simulation's count, on the first active kit type (syringe kits)."""

    kit = KitType.objects.filter(active=True).first()
    if kit is None:
        return
    index = {k: i for i, k in enumerate(keys)}
    RoundKit.objects.bulk_create(
        [
            RoundKit(round=r, kit_type=kit, count=int(rounds.kits[index[r.submission_key]]))
            for r in stored
            if rounds.kits[index[r.submission_key]] > 0
        ],
        batch_size=2000,
    )


# The residents layer of the scene estimate -------------------------------------------------------


def load_reporting_layer(scenario: Any) -> int:
    """The scene's residents layer: around each scene place (the part of the city nearer to it than
    to any other place), its residents per km² and visibility, as the simulation used them to draw
    the residents' reports. A real city loads its census and street layer instead."""
    import shapely

    if ReportingArea.objects.exists():
        return 0
    west, south, east, north = settings.CITY.bbox
    proj = MetricProjection.for_points([p.lat for p in scenario.places], [p.lon for p in scenario.places])
    x, y = proj.forward(
        np.array([p.lat for p in scenario.places]), np.array([p.lon for p in scenario.places])
    )
    bx, by = proj.forward(np.array([south, north]), np.array([west, east]))
    frame = box(bx.min() - 2000, by.min() - 2000, bx.max() + 2000, by.max() + 2000)
    cells = shapely.voronoi_polygons(shapely.multipoints(np.column_stack([x, y])), extend_to=frame)
    rows = []
    for cell in shapely.get_parts(cells):
        cell = cell.intersection(frame)
        k = int(np.argmin(np.hypot(x - cell.representative_point().x, y - cell.representative_point().y)))
        place = scenario.places[k]

        def inverse(coords: np.ndarray) -> np.ndarray:
            lat, lon = proj.inverse(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        rows.append(
            ReportingArea(
                name=f"Around {place.name or place.id}",
                geometry=mapping(shapely.transform(cell, inverse)),
                residents_per_km2=place.residential_density,
                visibility=place.visibility,
                source=DEMO_SOURCE,
            )
        )
    ReportingArea.objects.bulk_create(rows)
    return len(rows)


# Care places and their counts --------------------------------------------------------------------

PLACES = [
    # name, kind, organisation, lat, lon, capacity, opened (days before today; None: the room's own date)
    (
        "Salle de consommation à moindre risque Lariboisière",
        "consumption_room",
        "Gaïa Paris",
        None,
        None,
        12,
        None,
    ),
    ("Hébergement avec soins Rosa Parks", "housing_care", "Aurore", 48.8962, 2.3738, 40, 250),
    (
        "Appartements de coordination thérapeutique Flandre",
        "housing_care",
        "Aurore",
        48.8893,
        2.3772,
        25,
        330,
    ),
    ("Halte de nuit Porte de la Chapelle", "shelter", "Aurore", 48.8981, 2.3592, 60, 300),
    ("Accueil de jour Stalingrad", "day_centre", "Gaïa Paris", 48.8838, 2.3692, 50, 3000),
]


def load_care_places(result: Any | None, offset: dt.timedelta) -> int:
    """Five care places; the consumption room's daily visits are the simulated uses inside it, the
    others get a year of plausible counts (occupancy weekly, visits daily for the day centre)."""

    today = _local_today()
    rng = np.random.default_rng(19)
    room = result.scenario.rooms[0] if result is not None and result.scenario.rooms else None
    added = 0
    for name, kind, org_name, lat, lon, capacity, opened in PLACES:
        if CarePlace.objects.filter(name=name).exists():
            continue
        org, _ = Organisation.objects.get_or_create(name=org_name, defaults={"kind": Organisation.Kind.CARE})
        if lat is None or lon is None:  # in PLACES, both or neither
            lat, lon = (room.lat, room.lon) if room is not None else (48.8826, 2.3528)
        opened_on = dt.date(2016, 10, 17) if opened is None else today - dt.timedelta(days=opened)
        place = CarePlace.objects.create(
            name=name,
            kind=kind,
            organisation=org,
            lat=lat,
            lon=lon,
            area_id=locate_area_id(lat, lon),
            opening_hours="13:30-20:30" if kind == "consumption_room" else "",
            capacity=capacity,
            opened_on=opened_on,
        )
        added += 1
        first = max(opened_on, today - dt.timedelta(days=365))
        days = [first + dt.timedelta(days=d) for d in range((today - first).days)]
        counts: list[PlaceCount] = []
        if kind == "consumption_room":
            for day, visits in _room_visits(result, offset, first, today, rng).items():
                counts.append(PlaceCount(place=place, date=day, visits=visits))
        elif kind == "day_centre":
            counts = [
                PlaceCount(place=place, date=d, visits=int(rng.poisson(38 if d.weekday() < 5 else 22)))
                for d in days
                if d.weekday() != 6
            ]
        else:
            # Filling up over the first weeks after opening, then near capacity.
            counts = [
                PlaceCount(
                    place=place,
                    date=d,
                    occupancy=int(
                        min(capacity, rng.binomial(capacity, min(0.92, 0.3 + (d - opened_on).days / 60)))
                    ),
                )
                for d in days
                if d.weekday() == 0
            ]
        PlaceCount.objects.bulk_create(counts)
    return added


def _room_visits(
    result: Any | None, offset: dt.timedelta, first: dt.date, today: dt.date, rng: np.random.Generator
) -> dict[dt.date, int]:
    if result is None or not result.scenario.rooms:
        return {first + dt.timedelta(days=d): int(rng.poisson(140)) for d in range((today - first).days)}
    tl = result.timeline
    uses = np.asarray(result.room_uses)[:, 0]
    daily = np.bincount(tl.day, weights=uses)
    start = result.scenario.start + _day_shift(offset)
    visits = {start + dt.timedelta(days=d): int(v) for d, v in enumerate(daily)}
    return {d: v for d, v in visits.items() if first <= d < today}


# Operations ---------------------------------------------------------------------------------------


def load_operations(result: Any | None, offset: dt.timedelta) -> int:
    """The simulated year's police operations (the clearance of the colline), and a patrol presence
    at Stalingrad five weeks ago, so that the displacement panels have windows full of reports."""

    if Operation.objects.filter(source__startswith="Démo").exists():
        return 0
    today = _local_today()
    rows = []
    if result is not None:
        places = {p.id: p for p in result.scenario.places}
        for op in result.scenario.operations:
            start = (
                op.start
                if isinstance(op.start, dt.date) and not isinstance(op.start, dt.datetime)
                else op.start.date()
            )
            day = start + _day_shift(offset)
            if day >= today - dt.timedelta(days=7):
                continue
            place = places[op.place]
            rows.append(
                Operation(
                    date=day,
                    kind=Operation.Kind.CLEARANCE,
                    lat=place.lat,
                    lon=place.lon,
                    radius_m=200,
                    source=DEMO_SOURCE,
                    notes=op.label,
                )
            )
    rows.append(
        Operation(
            date=today - dt.timedelta(days=35),
            kind=Operation.Kind.PATROL,
            lat=48.8843,
            lon=2.3678,
            radius_m=250,
            source="Démo : présence policière place de la Bataille-de-Stalingrad",
            notes="Made up for the demo: four weeks of patrols around the square.",
        )
    )
    Operation.objects.bulk_create(rows)
    return len(rows)


# The plan ----------------------------------------------------------------------------------------


def load_plan() -> int:
    """Five commitments of a plan started a year ago, with targets in six months: housing and
    shelter places (from the care places), room visits and outreach contacts per week (from the
    counts and rounds), and syringes collected per month entered by hand."""

    today = _local_today()
    start, deadline = today - dt.timedelta(days=365), today + dt.timedelta(days=182)
    specs = [
        (
            "places-hebergement",
            "Places of housing with care open",
            Indicator.Source.HOUSING_PLACES_OPEN,
            100,
            "places",
        ),
        ("places-halte", "Shelter places open", Indicator.Source.SHELTER_PLACES_OPEN, 90, "places"),
        (
            "visites-salle",
            "Visits to the consumption room per week",
            Indicator.Source.ROOM_VISITS_WEEK,
            None,
            "visits",
        ),
        ("contacts-maraude", "Outreach contacts per week", Indicator.Source.CONTACTS_WEEK, None, "contacts"),
        (
            "seringues",
            "Syringes collected in public space per month",
            Indicator.Source.MANUAL,
            400,
            "syringes",
        ),
    ]
    added = 0
    for order, (code, name, source, target, unit) in enumerate(specs):
        if Indicator.objects.filter(code=code).exists():
            continue
        indicator = Indicator(
            code=code,
            name=name,
            source=source,
            target=target or 0,
            start=start,
            deadline=deadline,
            unit=unit,
            order=order,
        )
        if target is None:
            # A quarter above the weekly mean of the data loaded: a goal the chart can show progress to.
            values = [v for _, v in indicators.series(indicator, today)]
            # np.float64(100.0): both branches numpy scalars, so round() has one type (same value, 120.0)
            indicator.target = float(
                round(1.25 * (np.mean(values) if values else np.float64(100.0)), -1) or 10
            )
        indicator.save()
        added += 1
        if source == Indicator.Source.MANUAL:
            rng = np.random.default_rng(7)
            months = [
                dt.date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1)
                for k in range(1, 13)
            ]
            IndicatorValue.objects.bulk_create(
                [
                    IndicatorValue(
                        indicator=indicator, date=m, value=float(round(1300 - 55 * k + rng.normal(0, 60)))
                    )
                    for k, m in enumerate(months)
                    if m <= today
                ]
            )
    return added


# Consultations -----------------------------------------------------------------------------------

OPEN_QUESTION = "Where should the new consumption room open?"
CLOSED_QUESTION = "Where should the resting space for people who use crack open?"


def _quartiers(points: list[tuple[float, float]]) -> list[Area]:
    ids = {locate_area_id(lat, lon) for lat, lon in points}
    return list(Area.objects.filter(pk__in=[i for i in ids if i is not None]))


def load_consultations(admin: User, codes_file: Callable[[list[str]], None]) -> int:
    """One consultation open for votes (ranked, with one-time codes, some ballots cast; a few unused
    codes are kept for the demo) and one closed with its results (approval)."""

    now = timezone.now()
    rng = np.random.default_rng(11)
    added = 0
    if not Consultation.objects.filter(question=OPEN_QUESTION).exists():
        _open_consultation(admin, now, rng, codes_file)
        added += 1
    if not Consultation.objects.filter(question=CLOSED_QUESTION).exists():
        _closed_consultation(admin, now, rng)
        added += 1
    return added


@transaction.atomic
def _open_consultation(admin: User, now: dt.datetime, rng: np.random.Generator, codes_file: Callable) -> None:
    sites = [
        {"name": "Rue d'Aubervilliers, near the Porte", "lat": 48.8968, "lon": 2.3712,
         "description": "A former garage on the boulevard side, 300 m from the Porte d'Aubervilliers."},
        {"name": "Boulevard de la Villette, by Stalingrad", "lat": 48.8852, "lon": 2.3665,
         "description": "Ground floor of a city building, 150 m from the square."},
        {"name": "Rue Riquet, near the Éole gardens", "lat": 48.8887, "lon": 2.3655,
         "description": "A modular building on a city plot along the railway."},
    ]  # fmt: skip
    c = _consultation(OPEN_QUESTION, sites, Consultation.Method.RANKED, admin)
    Consultation.objects.filter(pk=c.pk).update(
        starts_at=now - dt.timedelta(days=3), ends_at=now + dt.timedelta(days=25)
    )
    c.refresh_from_db()
    codes = consultation_services.generate_codes(c, 60, by=admin)
    n_options = c.options.count()
    for code in codes[:34]:
        ranking = [int(x) for x in rng.permutation(n_options)[: int(rng.integers(1, n_options + 1))]]
        consultation_services.cast_ballot(c, ranking, code=code, now=now)
    codes_file(codes[34:40])


@transaction.atomic
def _closed_consultation(admin: User, now: dt.datetime, rng: np.random.Generator) -> None:
    sites = [
        {"name": "Square Forceval", "lat": 48.8975, "lon": 2.3895,
         "description": "Beside the square, by the Porte de la Villette."},
        {"name": "Rue de l'Évangile", "lat": 48.8945, "lon": 2.3640,
         "description": "A warehouse by the railway, far from homes."},
        {"name": "Avenue de Flandre", "lat": 48.8890, "lon": 2.3760,
         "description": "The ground floor of a social housing block."},
    ]  # fmt: skip
    c = _consultation(CLOSED_QUESTION, sites, Consultation.Method.APPROVAL, admin)
    codes = consultation_services.generate_codes(c, 80, by=admin)
    Consultation.objects.filter(pk=c.pk).update(
        starts_at=now - dt.timedelta(days=70), ends_at=now - dt.timedelta(days=40)
    )
    c.refresh_from_db()
    approval = np.array([0.55, 0.7, 0.2])  # sites at positions 1 to 3; "none of these" is 0
    voted_at = now - dt.timedelta(days=55)
    for code in codes[:57]:
        chosen = [int(k) + 1 for k in np.flatnonzero(rng.random(3) < approval)] or [0]
        consultation_services.cast_ballot(c, chosen, code=code, now=voted_at)


def _consultation(question: str, sites: list[dict], method: str, admin: User) -> Any:
    now = timezone.now()
    c = consultation_services.create_consultation(
        created_by=admin,
        quartiers=_quartiers([(s["lat"], s["lon"]) for s in sites]),
        question=question,
        description="A demo consultation: the sites are illustrations, not proposals.",
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
        method=method,
    )
    consultation_services.add_site_options(c, sites, source="hand")
    return c


# The citizens' panel -----------------------------------------------------------------------------

PANEL_NAME = "Citizens' panel of the north-east quartiers"


def load_panel(admin: User) -> int:
    """A panel of 12 seats with 60 volunteers and quotas on gender, age and quartier, committed
    (pool, quotas and lottery published): the public draw is the next step, on its page."""

    if Panel.objects.filter(name=PANEL_NAME).exists():
        return 0
    # One transaction: a lottery that fails leaves no half-made panel that a rerun would skip.
    with transaction.atomic():
        _make_panel(admin)
    return 1


def _make_panel(admin: User) -> None:

    today = _local_today()
    rng = np.random.default_rng(12)
    features = [
        ("gender", "Gender", [("woman", "Woman", 5, 7, 0.52), ("man", "Man", 5, 7, 0.48)]),
        ("age", "Age", [
            ("18-34", "18 to 34", 3, 5, 0.4), ("35-59", "35 to 59", 3, 5, 0.38),
            ("60+", "60 and over", 2, 4, 0.22),
        ]),
        ("quartier", "Quartier", [
            ("la-chapelle", "La Chapelle", 3, 5, 0.35), ("villette", "La Villette", 3, 5, 0.4),
            ("pont-de-flandre", "Pont de Flandre", 2, 4, 0.25),
        ]),
    ]  # fmt: skip
    with transaction.atomic():
        panel = Panel.objects.create(
            name=PANEL_NAME,
            description="A demo panel: the volunteers are made up.",
            size=12,
            method="leximin",
            term_ends_on=today + dt.timedelta(days=365),
            draw_on=today + dt.timedelta(days=7),
            seed_source="The numbers of the next national lottery draw",
            created_by=admin,
        )
        for i, (key, label, values) in enumerate(features):
            feature = Feature.objects.create(panel=panel, key=key, label=label, position=i)
            for j, (vkey, vlabel, lo, hi, _share) in enumerate(values):
                FeatureValue.objects.create(
                    feature=feature, key=vkey, label=vlabel, position=j, min_seats=lo, max_seats=hi
                )
        volunteers = []
        for _ in range(60):
            answers = {}
            for key, _label, values in features:
                shares = np.array([v[4] for v in values])
                answers[key] = values[int(rng.choice(len(values), p=shares / shares.sum()))][0]
            volunteers.append(Volunteer(panel=panel, values=answers))
        Volunteer.objects.bulk_create(volunteers)
        panel.status = Panel.Status.CLOSED
        panel.save(update_fields=["status"])
    panel_services.commit(panel, admin)


# The what-if -------------------------------------------------------------------------------------

WHATIF_NAME = "The city's last year (demo)"


def load_whatif(data: dict[str, Any], result: Any, admin: User) -> int:
    """The last year as a saved what-if scenario, with its run done: the simulation that made the
    demo data, kept as the run's compact outputs (a member edits the scenario and runs it again to
    compare with it)."""

    if SavedScenario.objects.filter(name=WHATIF_NAME).exists():
        return 0
    saved = SavedScenario.objects.create(
        name=WHATIF_NAME, base="the city's last year", data=data, created_by=admin
    )
    now = timezone.now()
    Run.objects.create(
        label=f"{WHATIF_NAME}: as it happened",
        scenario=saved,
        data=data,
        status=Run.Status.DONE,
        percent=100,
        outputs=simulation_services.compact(result),
        created_by=admin,
        started_at=now,
        finished_at=now,
    )
    return 1


def simulation_pending() -> bool:
    """Whether part of the demo needs the simulated year again (an older demo database without
    rounds, residents layer or what-if run: they are added without touching its reports)."""

    return not (
        Round.objects.filter(submission_key__startswith=ROUND_KEY).exists()
        and ReportingArea.objects.exists()
        and SavedScenario.objects.filter(name=WHATIF_NAME).exists()
    )
