"""The mobile report form: works without JavaScript (coordinates typed), the map only helps."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from observatory.common.forms import SentenceErrorList
from observatory.photos.core.processing import ACCEPTED, MAX_BYTES, MAX_SIDE
from observatory.photos.forms import clean_upload
from observatory.reports.models import MAX_DESCRIPTION, Category


class ReportForm(forms.Form):
    reporter_kind = forms.ChoiceField(
        label=_("I am"),
        choices=[
            ("resident", _("a resident or a passer-by")),
            ("pwud", _("a person who uses drugs (anonymous, nothing asked about you)")),
        ],
        initial="resident",
        widget=forms.RadioSelect,
    )
    category = forms.ModelChoiceField(
        label=_("What did you see?"),
        queryset=Category.objects.filter(active=True),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    observed_at = forms.DateTimeField(
        label=_("When?"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Up to 7 days ago."),
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Describe the situation, not the people: no names, no physical descriptions."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ",".join(ACCEPTED.values()),
                # report_form.js checks these before sending and makes larger photos smaller.
                "data-max-bytes": MAX_BYTES,
                "data-max-side": MAX_SIDE,
            }
        ),
    )
    # One token per displayed form: a double tap or a resent POST stores the report once.
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    # Proof of work solved by the browser (common/abuse.py); empty when JavaScript is off.
    altcha = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)
        tz = ZoneInfo(settings.TIME_ZONE)
        now_local = timezone.now().astimezone(tz)
        self.fields["observed_at"].initial = now_local.strftime("%Y-%m-%dT%H:%M")
        self.fields["observed_at"].widget.attrs.update(
            {
                "max": now_local.strftime("%Y-%m-%dT%H:%M"),
                "min": (now_local - timedelta(days=settings.OBSERVATORY_MAX_BACKDATE_DAYS)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
            }
        )
        self.fields["photo"].help_text = gettext(
            "JPEG, PNG or WebP, up to %(mb)d MB. Faces are blurred and the photo is checked before anyone "
            "else sees it."
        ) % {"mb": MAX_BYTES // (1024 * 1024)}
        bbox = settings.CITY.bbox
        self.fields["lat"].widget.attrs.update({"step": "any", "min": bbox[1], "max": bbox[3]})
        self.fields["lon"].widget.attrs.update({"step": "any", "min": bbox[0], "max": bbox[2]})

    def clean_photo(self):
        return clean_upload(self.cleaned_data.get("photo"))
