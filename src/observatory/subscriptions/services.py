"""Subscriptions and feeds: what an area's followers receive, and how it reaches them.

Everything sent or syndicated is built from what is already public, and never finer:

- the **released counts** of each period (releases/: ``Release`` and ``ReleasedCount`` only),
  summed over the cells whose centre lies in the area (shapely, point in polygon); never a query
  on reports, so an area's number is post-processing of the public map and reveals nothing more;
- the **operations** recorded in the period, as a number per kind for the area (no date, place,
  source or note: the operation pages are for roles only);
- the **consultations** opening and closing (their question and dates are public);
- the **plan's** progress (the public plan page's latest values and targets).

E-mail goes out after a release is stored: releases/services.py's ``release_due`` sends the
``released`` signal and :func:`after_release` sends the digests that are due. A subscriber's
cursor (``last_release_id``) moves only when their digest was accepted by the mail server, so a
failure is retried after the next run of ``observatory release``.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import h3
import numpy as np
import shapely
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.geometry import shape

from observatory.accounts.models import AuditEntry
from observatory.bulletins import services as bulletins
from observatory.bulletins.models import Bulletin, Delivery
from observatory.consultation.models import Consultation
from observatory.fieldwork.models import Indicator, Operation
from observatory.fieldwork.services import indicators
from observatory.jobs.services import JobContext
from observatory.releases.models import Release, ReleasedCount
from observatory.releases.services import domain, latest_release_id
from observatory.reports.models import Area, Category, Report
from observatory.reports.services import tracking
from observatory.subscriptions.models import ReportNotice, Subscription

log = logging.getLogger(__name__)

CONFIRM_DAYS = 7  # a confirmation link works this long; unconfirmed rows are then deleted
RESEND_AFTER = timedelta(hours=1)  # the same pending subscription gets at most one mail an hour
CONFIRMATIONS_PER_ADDRESS_PER_DAY = 3  # nobody can flood an address with confirmation mails
MAX_PERIODS_PER_DIGEST = 6
FEED_RELEASES = 20
NOTICE_ACTIONS = ("report.publish", "report.reject", "report.merge", "report.service_action")

SALT_CONFIRM = "observatory.subscriptions.confirm"
SALT_UNSUBSCRIBE = "observatory.subscriptions.unsubscribe"
SALT_NOTICE = "observatory.subscriptions.notice"


# --- areas ------------------------------------------------------------------------------------


def area_key(area: Area | None) -> str:
    return "city" if area is None else f"{area.level}:{area.code}"


def area_from_key(key: str) -> tuple[bool, Area | None]:
    """(found, area): "city" is the whole city (area None); "level:code" one area."""
    if key in ("", "city"):
        return True, None
    level, _sep, code = key.partition(":")
    area = Area.objects.filter(level=level, code=code).first()
    return area is not None, area


def area_name(area: Area | None) -> str:
    return settings.CITY.name if area is None else area.name


def area_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: the whole city, then each level's areas by name."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a in Area.objects.only("level", "code", "name").order_by("level", "name"):
        groups[a.level].append((area_key(a), a.name))
    order = ("arrondissement", "quartier")
    levels = sorted(groups, key=lambda lv: (order.index(lv) if lv in order else len(order), lv))
    return [(_("The whole city"), [("city", settings.CITY.name)])] + [
        (level.capitalize(), groups[level]) for level in levels
    ]


@lru_cache(maxsize=4)
def _centres(cells: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    latlon = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64).reshape(-1, 2)
    return latlon[:, 0], latlon[:, 1]


def cells_in(area: Area) -> frozenset[str]:
    """Cells of the public domain whose centre lies in the area (a cell belongs to one area)."""
    cells = domain()
    lat, lon = _centres(cells)
    inside = shapely.contains_xy(shape(area.geometry), lon, lat)
    return frozenset(c for c, ok in zip(cells, inside, strict=True) if ok)


def _point_of(op) -> tuple[float, float] | None:
    if op.lat is not None and op.lon is not None:
        return op.lat, op.lon
    if op.polygon:
        try:
            c = shape(op.polygon).centroid
        except (ValueError, TypeError, AttributeError):
            return None
        return c.y, c.x
    return None


# --- what is public for an area ---------------------------------------------------------------


@dataclass
class PeriodNumbers:
    release: Release
    label: str
    total: int
    categories: list[tuple[str, int]] = field(default_factory=list)
    operations: list[tuple[str, int]] = field(default_factory=list)

    @property
    def first_day(self) -> date:
        return self.release.period_start

    @property
    def last_day(self) -> date:
        return self.release.last_day

    @property
    def released_on(self) -> datetime:
        """The day of the release, at midnight UTC: no time finer than a day."""
        return datetime.combine(self.release.created_at.astimezone(UTC).date(), time.min, tzinfo=UTC)


def period_label(r: Release) -> str:
    if r.grain == Release.Grain.MONTH:
        return r.period_start.strftime("%Y-%m")
    year, week, _day = r.period_start.isocalendar()
    return f"{year}-W{week:02d}"


def period_numbers(area: Area | None, releases: list[Release]) -> list[PeriodNumbers]:
    """Released counts summed over the area, per release: all categories and each category."""
    if not releases:
        return []
    qs = ReleasedCount.objects.filter(release__in=releases)
    if area is not None:
        qs = qs.filter(cell__in=sorted(cells_in(area)))
    sums: dict[tuple[int, int | None], int] = {}
    for release_id, category_id, n in (
        qs.values_list("release_id", "category_id").annotate(n=Sum("count")).order_by()
    ):
        sums[release_id, category_id] = int(n)
    categories = list(Category.objects.all())
    result = []
    for r in releases:
        by_category = [(c.name, sums[r.pk, c.pk]) for c in categories if sums.get((r.pk, c.pk), 0) > 0]
        result.append(
            PeriodNumbers(
                release=r,
                label=period_label(r),
                total=sums.get((r.pk, None), 0),
                categories=by_category,
                operations=operations(area, r.period_start, r.period_end),
            )
        )
    return result


def operations(area: Area | None, start: date, end: date) -> list[tuple[str, int]]:
    """How many operations of each kind were recorded in [start, end) in the area."""
    counts: dict[str, int] = defaultdict(int)
    geometry = shape(area.geometry) if area is not None else None
    for op in Operation.objects.filter(date__gte=start, date__lt=end):
        if geometry is not None:
            point = _point_of(op)
            if point is None or not shapely.contains_xy(geometry, point[1], point[0]):
                continue
        counts[op.get_kind_display()] += 1
    return sorted(counts.items())


@dataclass(frozen=True)
class ConsultationEvent:
    at: datetime
    opens: bool
    question: str
    url: str
    pk: int


def _concerns(consultation, area: Area | None) -> bool:
    quartiers = list(consultation.quartiers.all())
    if area is None or not quartiers:
        return True  # city-wide consultations concern every area, the city follows them all
    if any(q.pk == area.pk for q in quartiers):
        return True
    return any(q.parent_code and q.parent_code == area.code for q in quartiers)


def consultation_events(
    area: Area | None, since: datetime | None, until: datetime
) -> list[ConsultationEvent]:
    """Consultations that opened or closed in (since, until], for the area."""
    window = Q(starts_at__lte=until) & (Q(starts_at__gt=since) | Q(ends_at__gt=since, ends_at__lte=until))
    if since is None:
        window = Q(starts_at__lte=until)
    events = []
    for c in Consultation.objects.filter(window).prefetch_related("quartiers"):
        if not _concerns(c, area):
            continue
        url = reverse("consultation:detail", args=[c.pk])
        if since is None or c.starts_at > since:
            events.append(ConsultationEvent(c.starts_at, True, c.question, url, c.pk))
        if c.ends_at <= until and (since is None or c.ends_at > since):
            events.append(ConsultationEvent(c.ends_at, False, c.question, url, c.pk))
    events.sort(key=lambda e: e.at)
    return events


@dataclass(frozen=True)
class PlanLine:
    name: str
    latest: float | None
    target: float
    unit: str
    deadline: date
    on_track: bool | None


def plan_lines() -> list[PlanLine]:
    """The public plan page's figures: each commitment's target and whether it is on track, and its
    latest value where that is public (a count of people is not: indicators.value_is_public)."""
    lines = []
    for i in Indicator.objects.all():
        v = indicators.view(i)
        latest = v.progress.latest if indicators.value_is_public(i) else None
        lines.append(PlanLine(i.name, latest, i.target, i.unit, i.deadline, v.progress.on_track))
    return lines


@dataclass
class Digest:
    area: Area | None
    periods: list[PeriodNumbers]
    consultations: list[ConsultationEvent]
    plan: list[PlanLine]

    @property
    def area_name(self) -> str:
        return area_name(self.area)


def digest(area: Area | None, releases: list[Release], since: datetime | None, until: datetime) -> Digest:
    return Digest(area, period_numbers(area, releases), consultation_events(area, since, until), plan_lines())


def feed_releases(limit: int = FEED_RELEASES) -> list[Release]:
    return list(Release.objects.order_by("-period_end", "grain")[:limit])


# --- tokens -----------------------------------------------------------------------------------


def confirm_token(sub: Subscription) -> str:
    return signing.dumps(str(sub.key), salt=SALT_CONFIRM)


def unsubscribe_token(sub: Subscription) -> str:
    return signing.dumps(str(sub.key), salt=SALT_UNSUBSCRIBE)


def _by_token(token: str, salt: str, max_age: int | None) -> Subscription | None:
    try:
        key = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return Subscription.objects.select_related("area").filter(key=key).first()


def pending_by_token(token: str) -> Subscription | None:
    return _by_token(token, SALT_CONFIRM, CONFIRM_DAYS * 86400)


def by_unsubscribe_token(token: str) -> Subscription | None:
    return _by_token(token, SALT_UNSUBSCRIBE, None)


def site_url(path: str) -> str:
    return f"{settings.OBSERVATORY_SITE_URL}{path}"


def unsubscribe_url(sub: Subscription) -> str:
    return site_url(reverse("unsubscribe", args=[unsubscribe_token(sub)]))


# --- e-mail subscriptions ----------------------------------------------------------------------


def _mail(to: str, subject: str, template: str, context: dict, *, headers=None, connection=None) -> None:
    body = render_to_string(template, {**context, "site_url": settings.OBSERVATORY_SITE_URL})
    EmailMessage(
        subject=subject.replace("\n", " "),
        body=body,
        to=[to],
        headers=headers or {},
        connection=connection,
    ).send()


def normalise_email(email: str) -> str:
    local, _at, domain_part = email.strip().rpartition("@")
    return f"{local}@{domain_part.lower()}"


def subscribe(
    email: str, area: Area | None, cadence: str, language: str, *, now: datetime | None = None
) -> None:
    """Ask to follow ``area``: a confirmation link goes to the address; nothing is sent until
    it is followed. The caller learns nothing of whether the address already follows it."""
    now = now or timezone.now()
    email = normalise_email(email)
    with transaction.atomic():
        sub, _created = Subscription.objects.select_for_update().get_or_create(
            email=email, area=area, defaults={"cadence": cadence, "language": language}
        )
        if sub.confirmed_at is not None:
            return  # already following: say nothing, send nothing
        if sub.confirmation_sent_at and now - sub.confirmation_sent_at < RESEND_AFTER:
            return
        recent = Subscription.objects.filter(
            email=email, confirmed_at__isnull=True, confirmation_sent_at__gte=now - timedelta(days=1)
        ).count()
        if recent >= CONFIRMATIONS_PER_ADDRESS_PER_DAY:
            return
        sub.cadence, sub.language, sub.confirmation_sent_at = cadence, language, now
        sub.save(update_fields=["cadence", "language", "confirmation_sent_at"])
    with translation.override(sub.language):
        _mail(
            sub.email,
            _("Confirm that you want to follow %(area)s") % {"area": area_name(area)},
            "subscriptions/mail/confirm.txt",
            {
                "area": area_name(area),
                "cadence": sub.get_cadence_display(),
                "confirm_url": site_url(reverse("subscribe-confirm", args=[confirm_token(sub)])),
                "days": CONFIRM_DAYS,
            },
        )


def confirm(sub: Subscription, *, now: datetime | None = None) -> Subscription:
    """The address's owner followed the link: digests start with the next release."""
    if sub.confirmed_at is None:
        sub.confirmed_at = now or timezone.now()
        sub.last_release_id = latest_release_id()
        sub.last_sent_at = sub.confirmed_at
        sub.save(update_fields=["confirmed_at", "last_release_id", "last_sent_at"])
    return sub


def unsubscribe(sub: Subscription) -> None:
    """Forget the address for this area (the row is deleted, nothing is kept)."""
    Subscription.objects.filter(pk=sub.pk).delete()


def forget_unconfirmed(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    n, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - timedelta(days=CONFIRM_DAYS)
    ).delete()
    return n


def _digest_message(sub: Subscription, d: Digest, earlier: int, connection) -> EmailMessage:
    url = unsubscribe_url(sub)
    with translation.override(sub.language):
        subject = _("%(area)s: the public numbers of %(periods)s") % {
            "area": d.area_name,
            "periods": ", ".join(p.label for p in d.periods) or "—",
        }
        body = render_to_string(
            "subscriptions/mail/digest.txt",
            {
                "digest": d,
                "earlier": earlier,
                "unsubscribe_url": url,
                "site_url": settings.OBSERVATORY_SITE_URL,
                "feed_url": site_url(feed_path(sub.area)),
            },
        )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[sub.email],
        connection=connection,
        # RFC 8058: the mail client's own "unsubscribe" button posts to the link, one click.
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def feed_path(area: Area | None) -> str:
    return reverse("feed-city") if area is None else reverse("feed-area", args=[area.level, area.code])


@dataclass
class DigestRun:
    sent: int = 0
    failed: int = 0
    nothing_new: int = 0


def send_digests(*, now: datetime | None = None) -> DigestRun:
    """Send every confirmed subscription the releases of its cadence made since its last digest."""
    now = now or timezone.now()
    run = DigestRun()
    latest = latest_release_id()
    subs = list(
        Subscription.objects.filter(confirmed_at__isnull=False, last_release_id__lt=latest).select_related(
            "area"
        )
    )
    if not subs:
        return run
    numbers: dict[tuple[int | None, int], PeriodNumbers] = {}
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        log.error("digests not sent, the mail server refused the connection: %s", exc)
        run.failed = len(subs)
        return run
    try:
        for sub in subs:
            releases = list(
                Release.objects.filter(pk__gt=sub.last_release_id, grain=sub.cadence).order_by("period_start")
            )
            if not releases:
                Subscription.objects.filter(pk=sub.pk).update(last_release_id=latest)
                run.nothing_new += 1
                continue
            earlier = max(0, len(releases) - MAX_PERIODS_PER_DIGEST)
            releases = releases[earlier:]
            missing = [r for r in releases if (sub.area_id, r.pk) not in numbers]
            for pn in period_numbers(sub.area, missing):
                numbers[sub.area_id, pn.release.pk] = pn
            d = Digest(
                sub.area,
                [numbers[sub.area_id, r.pk] for r in releases],
                consultation_events(sub.area, sub.last_sent_at, now),
                plan_lines(),
            )
            try:
                _digest_message(sub, d, earlier, connection).send()
            except (smtplib.SMTPException, OSError) as exc:
                log.error(
                    "digest to subscription %s not sent (retried after the next release): %s", sub.pk, exc
                )
                run.failed += 1
                continue
            Subscription.objects.filter(pk=sub.pk).update(last_release_id=latest, last_sent_at=now)
            run.sent += 1
    finally:
        connection.close()
    return run


def after_release(sender=None, releases=(), **_kwargs) -> None:
    """Called by the release engine after ``release_due`` stored its releases (signal)."""
    forget_unconfirmed()
    run = send_digests()
    if run.sent or run.failed:
        log.info("digests: %d sent, %d failed", run.sent, run.failed)


# --- the monthly bulletin (bulletins/) ---------------------------------------------------------
#
# The public edition only: it is built from released tables (bulletins/services.py), so a follower
# receives nothing finer than the public map. One e-mail per address (an address following
# several areas gets one), with the summary, the page and the PDF's links and the unsubscription
# link of one of its subscriptions. A delivery is recorded per subscription, so a retry after a
# failure skips those that had it; the bulletin is marked mailed once every address had it.


def _bulletin_message(bulletin, sub: Subscription, connection) -> EmailMessage:
    url = unsubscribe_url(sub)
    doc = bulletin.data
    with translation.override(doc["language"]):
        body = render_to_string(
            "subscriptions/mail/bulletin.txt",
            {
                "document": doc,
                "page_url": doc["url"],
                "pdf_url": f"{doc['url']}bulletin.pdf",
                "unsubscribe_url": url,
                "site_url": settings.OBSERVATORY_SITE_URL,
            },
        )
    return EmailMessage(
        subject=doc["title"].replace("\n", " "),
        body=body,
        to=[sub.email],
        connection=connection,
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def send_bulletin(bulletin, *, now: datetime | None = None) -> DigestRun:
    """Send a public bulletin to every confirmed subscriber who has not had it yet."""
    run = DigestRun()
    if not bulletin.is_public:
        raise ValueError("only the public edition goes to subscribers")
    done = set(Delivery.objects.filter(bulletin=bulletin).values_list("subscription_id", flat=True))
    by_address: dict[str, list[Subscription]] = defaultdict(list)
    for sub in Subscription.objects.filter(confirmed_at__isnull=False).order_by("created_at", "pk"):
        by_address[sub.email].append(sub)
    todo = {email: subs for email, subs in by_address.items() if not any(s.pk in done for s in subs)}
    if todo:
        connection = get_connection()
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            log.error("bulletin %s not sent, the mail server refused the connection: %s", bulletin, exc)
            run.failed = len(todo)
            return run
        try:
            for subs in todo.values():
                try:
                    _bulletin_message(bulletin, subs[0], connection).send()
                except (smtplib.SMTPException, OSError) as exc:
                    log.error(
                        "bulletin %s to subscription %s not sent (retried): %s", bulletin, subs[0].pk, exc
                    )
                    run.failed += 1
                    continue
                Delivery.objects.bulk_create(
                    [Delivery(bulletin=bulletin, subscription=s) for s in subs], ignore_conflicts=True
                )
                run.sent += 1
        finally:
            connection.close()
    if not run.failed:
        type(bulletin).objects.filter(pk=bulletin.pk).update(mailed_at=now or timezone.now())
    return run


# --- registered reporters told of changes -----------------------------------------------------


def notice_token(notice: ReportNotice) -> str:
    return signing.dumps({"u": notice.user_id, "e": notice.email}, salt=SALT_NOTICE)


def notice_by_token(token: str) -> ReportNotice | None:
    try:
        data = signing.loads(token, salt=SALT_NOTICE, max_age=CONFIRM_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") is None:  # no user: no notice (the column is required)
        return None
    return ReportNotice.objects.filter(user_id=data["u"], email=data.get("e")).first()


def ask_notices(user, email: str, language: str) -> ReportNotice:
    """Set (or change) the address; notices start once the link sent to it is followed."""
    email = normalise_email(email)
    notice, created = ReportNotice.objects.get_or_create(
        user=user, defaults={"email": email, "language": language}
    )
    if not created and notice.email == email and notice.confirmed_at is not None:
        return notice
    notice.email, notice.confirmed_at, notice.language = email, None, language
    notice.save(update_fields=["email", "confirmed_at", "language"])
    with translation.override(language):
        _mail(
            email,
            _("Confirm your address for news of your reports"),
            "subscriptions/mail/notice_confirm.txt",
            {
                "confirm_url": site_url(reverse("report-notices-confirm", args=[notice_token(notice)])),
                "days": CONFIRM_DAYS,
            },
        )
    return notice


def stop_notices(user) -> None:
    ReportNotice.objects.filter(user=user).delete()


def confirm_notice(notice: ReportNotice) -> ReportNotice:
    if notice.confirmed_at is None:
        notice.confirmed_at = timezone.now()
        notice.save(update_fields=["confirmed_at"])
    return notice


def send_notice(entry_id: int) -> None:
    """Tell the report's account, when it asked, what the audit entry did to its report."""
    entry = AuditEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return
    report = Report.objects.select_related("category", "account").filter(pk=entry.object_id).first()
    if report is None or report.account_id is None:
        return
    notice = ReportNotice.objects.filter(user_id=report.account_id, confirmed_at__isnull=False).first()
    if notice is None:
        return
    with translation.override(notice.language):
        step = tracking.describe(entry)
        if step is None:
            return
        _mail(
            notice.email,
            _("News of your report %(ref)s") % {"ref": tracking.reference(report)},
            "subscriptions/mail/notice.txt",
            {
                "reference": tracking.reference(report),
                "category": report.category.name,
                "step": step,
                "my_reports_url": site_url(reverse("my-reports")),
                "notices_url": site_url(reverse("report-notices")),
            },
        )


def after_audit(sender=None, instance=None, created=False, **_kwargs) -> None:
    """post_save of an audit entry: a moderation action on a report may be news for its author."""
    if not created or instance is None:
        return
    if instance.object_type != "reports.report" or instance.action not in NOTICE_ACTIONS:
        return
    entry_id = instance.pk

    def send() -> None:
        try:
            send_notice(entry_id)
        except (smtplib.SMTPException, OSError) as exc:  # the moderation stands; the mail is lost
            log.error("report notice for audit entry %s not sent: %s", entry_id, exc)

    transaction.on_commit(send)


# --- the monthly bulletin (a periodic job, jobs/periodic.py) ----------------------------------


def monthly_bulletin_job(ctx: JobContext) -> dict[str, Any]:
    """The periodic job (jobs/periodic.py): make the latest month's bulletins, then send the public
    edition to the subscribers who have not had it (a failed send is retried on the next run)."""
    ctx.progress(5, gettext_noop("making the monthly bulletins"))
    made = bulletins.generate_due()
    ctx.progress(70, gettext_noop("sending the e-mails"))
    month = bulletins.latest_released_month()
    sent = failed = 0
    if month is not None:
        unsent = Bulletin.objects.filter(month=month, edition=bulletins.PUBLIC, mailed_at__isnull=True)
        public = unsent.first()
        if public is not None:
            run = send_bulletin(public)
            sent, failed = run.sent, run.failed
    return {"made": [str(b) for b in made], "sent": sent, "failed": failed}
