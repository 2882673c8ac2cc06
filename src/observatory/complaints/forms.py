"""The filing form (short sentences, a choice before any typing), the code form, the referent's forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from observatory.common.forms import SentenceErrorList
from observatory.complaints import core
from observatory.complaints.models import Complaint, Step
from observatory.fieldwork.models import CarePlace, Operation
from observatory.photos.forms import clean_upload


class PublicForm(forms.Form):
    """A form a person fills in: its errors read as sentences (a capital first, a full stop last),
    under each field and in the summary at the top of the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", SentenceErrorList)
        super().__init__(*args, **kwargs)


class FileForm(PublicForm):
    kind = forms.ChoiceField(
        label=_("What happened?"), choices=Complaint.Kind.choices, widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(
        label=_("Why were you refused?"),
        choices=Complaint.Reason.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    violence_by = forms.ChoiceField(
        label=_("Who did it?"), choices=Complaint.By.choices, widget=forms.RadioSelect, required=False
    )
    care_place = forms.ModelChoiceField(
        label=_("Where? (a care place or a service)"),
        queryset=CarePlace.objects.filter(closed_on__isnull=True).order_by("name"),
        required=False,
        empty_label=_("No place, or I do not know"),
    )
    operation = forms.ModelChoiceField(
        label=_("During a police or city operation?"),
        queryset=Operation.objects.none(),
        required=False,
        empty_label=_("No, or I do not know"),
    )
    happened_on = forms.DateField(
        label=_("When?"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(
        label=_("Tell us, if you want."),
        required=False,
        max_length=3000,
        help_text=_("Do not write anyone's name. Only the referent reads this."),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )
    photo = forms.FileField(
        label=_("A photo (optional)"),
        required=False,
        help_text=_("Only the referent sees it. It is never published."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    contact = forms.CharField(
        label=_("A way to reach you (optional)"),
        required=False,
        max_length=200,
        help_text=_("Only if you want. Your code is enough to follow your complaint."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    spoken_consent = forms.BooleanField(
        label=_("The person told me yes: they want me to file this complaint for them."), required=False
    )

    def __init__(self, *args, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_behalf = on_behalf
        if on_behalf:
            # Operations are listed to outreach workers only (their list is not a public page).
            since = timezone.localdate() - timedelta(days=120)
            # cast: the field is declared above as a ModelChoiceField
            field = cast("forms.ModelChoiceField[Operation]", self.fields["operation"])
            field.queryset = Operation.objects.filter(date__gte=since).order_by("-date")
            self.fields["spoken_consent"].required = True
        else:
            del self.fields["operation"]
            del self.fields["spoken_consent"]

    def clean_happened_on(self):
        day = self.cleaned_data.get("happened_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return day

    def clean_photo(self):
        return clean_upload(self.cleaned_data.get("photo"))

    def clean(self) -> dict[str, Any]:
        super().clean()  # Form.clean() returns self.cleaned_data
        data = self.cleaned_data
        if data.get("kind") == Complaint.Kind.CARE_REFUSED and not data.get("reason"):
            data["reason"] = Complaint.Reason.OTHER
        return data


class CodeForm(PublicForm):
    code = forms.CharField(
        label=_("Your code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not core.well_formed(code):
            raise forms.ValidationError(_("A code has 12 letters and numbers. Check your slip."))
        return core.normalise(code)


class MessageForm(PublicForm):
    code = forms.CharField(widget=forms.HiddenInput, max_length=30)
    text = forms.CharField(
        label=_("Add a message"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer to the person"),
        max_length=3000,
        help_text=_("The person reads this with their code: plain words, no names."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReferForm(forms.Form):
    referred_to = forms.ChoiceField(label=_("Pass on to"), choices=Step.To.choices)
    note = forms.CharField(
        label=_("Note (for the file)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Complaint.Outcome.choices)
    note = forms.CharField(
        label=_("Note (for the file)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
