from __future__ import annotations

from django import forms

from observatory.alerts.models import Alert, RecipientRule


class RecipientForm(forms.Form):
    """One checkbox per audience and kind of alert: e-mailed or not."""

    def __init__(self, *args, initial_rules: dict[tuple[str, str], bool], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for audience, a_label in RecipientRule.Audience.choices:
            for kind, k_label in Alert.Kind.choices:
                self.fields[self.name(audience, kind)] = forms.BooleanField(
                    label=f"{a_label}: {k_label}",
                    required=False,
                    initial=initial_rules[(audience, kind)],
                    widget=forms.CheckboxInput(attrs={"aria-label": f"{a_label}: {k_label}"}),
                )

    @staticmethod
    def name(audience: str, kind: str) -> str:
        return f"{audience}__{kind}"

    def table(self) -> dict[tuple[str, str], bool]:
        return {
            (audience, kind): bool(self.cleaned_data[self.name(audience, kind)])
            for audience in RecipientRule.Audience.values
            for kind in Alert.Kind.values
        }
