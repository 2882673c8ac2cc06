"""Street addresses loaded from an address file (`observatory load-addresses`), for the search
on the report form. Public data: a point per house number, nothing about anyone."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Address(models.Model):
    ban_id = models.CharField(_("identifier"), max_length=64, unique=True)
    number = models.PositiveIntegerField(_("number"), default=0)
    suffix = models.CharField(_("suffix"), max_length=16, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=100)
    lat = models.FloatField()
    lon = models.FloatField()
    # Lower case, no accents, words between single spaces and a space at each end (ban.search_key).
    search = models.CharField(max_length=400, db_index=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["street", "number", "suffix"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        number = f"{self.number} {self.suffix}".strip() if self.number else ""
        return f"{f'{number} ' if number else ''}{self.street}, {self.postcode} {self.city}".replace(
            " ,", ","
        )
