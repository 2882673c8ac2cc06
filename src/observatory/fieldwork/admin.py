"""Admin pages: organisations and memberships, kit types, places and the plan's indicators."""

from django.contrib import admin

from observatory.fieldwork import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 1


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    inlines = [MembershipInline]


@admin.register(models.KitType)
class KitTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_fr", "active", "order")


@admin.register(models.CarePlace)
class CarePlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "organisation", "capacity", "opened_on", "closed_on")


@admin.register(models.Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "source")


class IndicatorValueInline(admin.TabularInline):
    model = models.IndicatorValue
    extra = 1


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "source", "target", "deadline")
    inlines = [IndicatorValueInline]
