"""What people see and report, outreach rounds, and the run's summary (drawn after the run).

Residents report what they can see. For a visible event of category ``c`` at place ``p`` at
local hour ``h`` the chance that one report is filed is::

    min(1, rate[c] * density[p] / density_ref * visibility[p] * hour_weight[h])

and the number of reports at a (step, place) is binomial over its visible events. Visible events:

======================  ===========================================================
``drug_use``            each use at the place (not inside a room)
``dealing``             each purchase at the place's dealing point
``litter``              each use at the place, found ``Exp(litter_delay_hours)`` later
``gathering``           each step with at least ``gathering_min`` people, by day
``noise_night``         the same, at night (``night_hours``)
``violence``            each step with a gathering
``human_waste``         each person on the scene during a step
``encampment``          each night with a gathering still there at 05:00
======================  ===========================================================

People who use drugs report too (``care_refused``, ``violence_suffered``), through outreach
workers: binomial over each round's contacts with ``pwud_rates``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from observatory.geo.core.projection import MetricProjection
from observatory.simulation.core.scenario import (
    PWUD_CATEGORIES,
    RESIDENT_CATEGORIES,
    STEP_MINUTES,
    Scenario,
    parse_hours,
)
from observatory.simulation.core.tables import (
    DEALING,
    EVENT_KINDS,
    USE,
    ReportTable,
    RoundTable,
    SimulatedEvents,
    SimulationResult,
    Summary,
    Timeline,
)

ENCAMPMENT_SOD = 5 * 60 // STEP_MINUTES  # 05:00 local

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "drug_use": (
        "Personnes en train de consommer sur le trottoir.",
        "Consommation de crack devant l'entrée de l'immeuble.",
        "Plusieurs personnes fument dans le square.",
        "Injection dans un hall, en pleine journée.",
    ),
    "dealing": (
        "Vente de produits au coin de la rue.",
        "Deal devant la sortie du métro.",
        "Des échanges d'argent et de galettes, toujours au même endroit.",
    ),
    "litter": (
        "Seringues abandonnées au pied des arbres.",
        "Pipes à crack et matériel au sol près des bancs.",
        "Matériel de consommation dans le bac à sable.",
    ),
    "gathering": (
        "Un groupe d'une quinzaine de personnes sur la place.",
        "Regroupement important près de l'entrée du jardin.",
        "Beaucoup de monde installé sous le métro aérien.",
    ),
    "noise_night": (
        "Cris et disputes toute la nuit.",
        "Bruit très fort après minuit, impossible de dormir.",
    ),
    "violence": (
        "Bagarre entre plusieurs personnes.",
        "Une personne menacée avec un objet.",
    ),
    "human_waste": (
        "Déjections dans l'entrée de l'immeuble.",
        "Urine et excréments le long du mur.",
    ),
    "encampment": (
        "Tentes et abris installés pour la nuit.",
        "Campement sous le pont, une dizaine de tentes.",
    ),
    "care_refused": (
        "On m'a refusé l'entrée à l'accueil de jour.",
        "Pas de place en hébergement ce soir.",
    ),
    "violence_suffered": (
        "J'ai été frappé cette nuit.",
        "On m'a volé mes affaires et menacé.",
    ),
}
BLANK_DESCRIPTION_SHARE = 0.3


def _jitter_latlon(
    proj: MetricProjection,
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    sd_m: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x, y = proj.forward(lat, lon)
    return proj.inverse(x + rng.normal(size=len(x)) * sd_m, y + rng.normal(size=len(y)) * sd_m)


def report_probability(scenario: Scenario, category: str, hours: NDArray[np.int64]) -> NDArray[np.float64]:
    """Chance that one visible event of ``category`` is reported: (len(hours), places)."""
    rep = scenario.reporting
    density = np.array([p.residential_density for p in scenario.places]) / rep.density_ref
    visibility = np.array([p.visibility for p in scenario.places])
    weight = np.asarray(rep.hour_weights, dtype=np.float64)[hours]
    rate = rep.rates.get(category, 0.0)
    return np.asarray(
        np.clip(rate * weight[:, None] * (density * visibility)[None, :], 0.0, 1.0), dtype=np.float64
    )


def visible_events(
    scenario: Scenario, timeline: Timeline, occupancy: NDArray[np.int32], events: SimulatedEvents
) -> dict[str, NDArray[np.int64]]:
    """Per category, the number of events residents could see at each (step, place)."""
    n_steps, n_places = occupancy.shape

    def per_cell(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        flat = events.step[mask] * n_places + events.site[mask]
        return np.bincount(flat, minlength=n_steps * n_places).reshape(n_steps, n_places)

    uses = per_cell((events.kind == USE) & (events.site < n_places))
    gathering = occupancy >= scenario.population.gathering_min
    night = parse_hours(scenario.reporting.night_hours)[timeline.sod][:, None]
    return {
        "drug_use": uses,
        "dealing": per_cell(events.kind == DEALING),
        "litter": uses,
        "gathering": (gathering & ~night).astype(np.int64),
        "noise_night": (gathering & night).astype(np.int64),
        "violence": gathering.astype(np.int64),
        "human_waste": occupancy.astype(np.int64),
        "encampment": (gathering & (timeline.sod == ENCAMPMENT_SOD)[:, None]).astype(np.int64),
    }


def draw_rounds(
    scenario: Scenario, timeline: Timeline, occupancy: NDArray[np.int32], rng: np.random.Generator
) -> RoundTable:
    """Outreach rounds: each scheduled day, the team visits its places (or every place with people)
    in turn, sharing the round's hours between them; it meets ``contact_rate`` of those there."""
    n_steps = len(timeline)
    step_td = np.timedelta64(STEP_MINUTES * 60, "s")
    index = {p.id: i for i, p in enumerate(scenario.places)}
    rows: list[tuple[int, int, str, int, int]] = []  # (first step, steps, organisation, place, seen)
    rates: list[tuple[float, float, float]] = []
    for o in scenario.outreach:
        hh, mm = (int(x) for x in o.start.split(":"))
        start_sod = (hh * 60 + mm) // STEP_MINUTES
        length = max(1, round(o.hours * 60 / STEP_MINUTES))
        cand = np.flatnonzero((timeline.sod == start_sod) & np.isin(timeline.weekday, o.weekdays))
        cand = cand[np.unique(timeline.day[cand], return_index=True)[1]]  # once a day (DST)
        listed = [index[p] for p in o.places] if o.places else None
        for s in cand:
            if listed is not None:
                places = listed
            else:
                there = np.flatnonzero(occupancy[s] > 0)
                places = there[np.argsort(-occupancy[s, there], kind="stable")].tolist()
            if not places:
                continue
            seg = max(1, length // len(places))
            for j, p in enumerate(places):
                a = int(s) + j * seg
                if a >= n_steps:
                    break
                b = min(a + seg, n_steps)
                rows.append((a, b - a, o.organisation, int(p), int(occupancy[a:b, p].max())))
                rates.append((o.contact_rate, o.kits_per_contact, o.referral_rate))
    if not rows:
        z = np.zeros(0, dtype=np.int64)
        return RoundTable(
            np.zeros(0, "datetime64[s]"), np.zeros(0, "datetime64[s]"), np.zeros(0, "<U1"), z, z, z, z, z
        )
    first = np.array([r[0] for r in rows])
    steps = np.array([r[1] for r in rows])
    seen = np.array([r[4] for r in rows], dtype=np.int64)
    contact_rate, kits_rate, referral_rate = (np.array(x) for x in zip(*rates, strict=True))
    contacts = rng.binomial(seen, contact_rate)
    kits = rng.poisson(contacts * kits_rate)
    referrals = rng.binomial(contacts, referral_rate)
    order = np.argsort(first, kind="stable")
    start = timeline.times[first]
    return RoundTable(
        start=start[order],
        end=(start + steps * step_td)[order],
        organisation=np.array([r[2] for r in rows])[order],
        place=np.array([r[3] for r in rows], dtype=np.int64)[order],
        people_seen=seen[order],
        contacts=contacts[order].astype(np.int64),
        kits=kits[order].astype(np.int64),
        referrals=referrals[order].astype(np.int64),
    )


def draw_reports(
    scenario: Scenario,
    timeline: Timeline,
    occupancy: NDArray[np.int32],
    events: SimulatedEvents,
    rounds: RoundTable,
    rng: np.random.Generator,
    projection: MetricProjection,
) -> ReportTable:
    """Reports filed by residents (from visible events) and by people who use drugs (from rounds)."""
    rep = scenario.reporting
    hours = timeline.sod // (60 // STEP_MINUTES)
    visible = visible_events(scenario, timeline, occupancy, events)
    steps: list[NDArray[np.int64]] = []
    places: list[NDArray[np.int64]] = []
    cats: list[NDArray[np.int64]] = []
    delay: list[NDArray[np.float64]] = []
    kinds: list[NDArray[np.bool_]] = []  # True: pwud
    codes = RESIDENT_CATEGORIES + PWUD_CATEGORIES
    for c, code in enumerate(RESIDENT_CATEGORIES):
        if rep.rates.get(code, 0.0) <= 0:
            continue
        k = rng.binomial(visible[code], report_probability(scenario, code, hours))
        t, p = np.nonzero(k)
        n = k[t, p]
        t, p = np.repeat(t, n), np.repeat(p, n)
        seconds = rng.uniform(0, STEP_MINUTES * 60, size=len(t))
        if code == "litter":
            seconds += rng.exponential(rep.litter_delay_hours * 3600.0, size=len(t))
        steps.append(t)
        places.append(p)
        cats.append(np.full(len(t), c))
        delay.append(seconds)
        kinds.append(np.zeros(len(t), dtype=bool))
    round_step = np.searchsorted(timeline.times, rounds.start)
    round_secs = (rounds.end - rounds.start).astype("timedelta64[s]").astype(np.float64)
    for c, code in enumerate(PWUD_CATEGORIES, start=len(RESIDENT_CATEGORIES)):
        rate = rep.pwud_rates.get(code, 0.0)
        if rate <= 0 or not len(rounds):
            continue
        k = rng.binomial(rounds.contacts, rate)
        idx = np.repeat(np.arange(len(k)), k)
        steps.append(round_step[idx])
        places.append(rounds.place[idx])
        cats.append(np.full(len(idx), c))
        delay.append(rng.uniform(0, 1, size=len(idx)) * round_secs[idx])
        kinds.append(np.ones(len(idx), dtype=bool))
    if steps:
        step = np.concatenate(steps).astype(np.int64)
        place = np.concatenate(places).astype(np.int64)
        cat = np.concatenate(cats)
        secs = np.concatenate(delay)
        pwud = np.concatenate(kinds)
    else:
        step = place = cat = np.zeros(0, dtype=np.int64)
        secs = np.zeros(0)
        pwud = np.zeros(0, dtype=bool)
    observed = timeline.times[step] + np.round(secs).astype("timedelta64[s]")
    order = np.lexsort((cat, place, observed))
    step, place, cat, pwud, observed = step[order], place[order], cat[order], pwud[order], observed[order]
    plat = np.array([p.lat for p in scenario.places])
    plon = np.array([p.lon for p in scenario.places])
    radius = np.array([p.radius_m for p in scenario.places])
    sd = np.sqrt((radius[place] / 2) ** 2 + rep.position_noise_m**2)
    lat, lon = _jitter_latlon(projection, plat[place], plon[place], sd, rng)
    description = _descriptions(cat, codes, rng)
    return ReportTable(
        observed_at=observed,
        lat=lat,
        lon=lon,
        category=np.array(codes, dtype=object)[cat].astype(str) if len(cat) else np.zeros(0, "<U1"),
        description=description,
        reporter_kind=np.where(pwud, "pwud", "resident"),
        place=place,
        step=step,
    )


def _descriptions(
    cat: NDArray[np.int64], codes: tuple[str, ...], rng: np.random.Generator
) -> NDArray[np.str_]:
    out = np.full(len(cat), "", dtype=object)
    pick = rng.random(len(cat))
    blank = rng.random(len(cat)) < BLANK_DESCRIPTION_SHARE
    for c, code in enumerate(codes):
        texts = DESCRIPTIONS[code]
        mask = (cat == c) & ~blank
        out[mask] = np.array(texts, dtype=object)[(pick[mask] * len(texts)).astype(np.int64)]
    return out.astype(str) if len(out) else np.zeros(0, "<U1")


def summarise(result: SimulationResult, *, agents_at_end: int, seconds: float) -> Summary:
    """Totals, and per place: true uses and time on the scene against the reports filed."""
    sc, ev, reps = result.scenario, result.events, result.reports
    n_places = len(sc.places)
    uses = ev.kind == USE
    uses_at = np.bincount(ev.site[uses & (ev.site < n_places)], minlength=n_places)
    uses_from = np.bincount(ev.place[uses & (ev.site >= n_places)], minlength=n_places)
    resident = reps.reporter_kind == "resident"
    reports_at = np.bincount(reps.place[resident], minlength=n_places)
    total_uses = max(1, int(uses.sum()))
    total_reports = max(1, int(resident.sum()))
    places: list[dict[str, Any]] = []
    for i, p in enumerate(sc.places):
        places.append(
            {
                "id": p.id,
                "name": p.name,
                "uses": int(uses_at[i]),
                "uses_moved_to_rooms": int(uses_from[i]),
                "share_of_uses": float(uses_at[i] / total_uses),
                "mean_people": float(result.occupancy[:, i].mean()),
                "peak_people": int(result.occupancy[:, i].max()),
                "resident_reports": int(reports_at[i]),
                "share_of_reports": float(reports_at[i] / total_reports),
            }
        )
    rooms: list[dict[str, Any]] = []
    for j, r in enumerate(sc.rooms):
        rooms.append(
            {
                "id": r.id,
                "name": r.name,
                "kind": r.kind,
                "uses": int(result.room_uses[:, j].sum()),
                "open_hours": float(result.schedule["room_open"][:, j].sum() * STEP_MINUTES / 60),
            }
        )
    categories = RESIDENT_CATEGORIES + PWUD_CATEGORIES
    times = result.timeline.times
    end = times[-1] + np.timedelta64(STEP_MINUTES * 60, "s")
    return Summary(
        scenario=sc.name,
        seed=sc.seed,
        start=str(times[0]) + "+00:00",
        end=str(end) + "+00:00",
        steps=len(times),
        agents=sc.population.size,
        agents_at_end=agents_at_end,
        events={k: ev.count(k) for k in EVENT_KINDS},
        uses_in_rooms=int(result.room_uses.sum()),
        reports={c: int(np.count_nonzero(reps.category == c)) for c in categories},
        reports_by_kind={k: int(np.count_nonzero(reps.reporter_kind == k)) for k in ("resident", "pwud")},
        rounds=len(result.rounds),
        contacts=int(result.rounds.contacts.sum()),
        places=places,
        rooms=rooms,
        seconds=round(seconds, 3),
    )
