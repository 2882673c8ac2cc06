"""The default category set, fitted to an open drug scene (categories are data: edit in admin)."""

from django.db import migrations

DEFAULTS = [
    # code, French, English, for people who use drugs, French help, English help
    (
        "drug_use",
        "Consommation dans l'espace public",
        "Public drug use",
        False,
        "Personnes qui consomment dans la rue, un hall, un parc",
        "People using drugs in the street, a hall, a park",
    ),
    ("dealing", "Deal", "Dealing", False, "Vente de produits", "Drugs being sold"),
    (
        "litter",
        "Seringues ou pipes abandonnées",
        "Discarded syringes or pipes",
        False,
        "Matériel de consommation laissé au sol",
        "Drug-use equipment left on the ground",
    ),
    (
        "gathering",
        "Regroupement",
        "Gathering",
        False,
        "Groupe de personnes sur la scène",
        "A group on the scene",
    ),
    ("noise_night", "Bruit la nuit", "Noise at night", False, "", ""),
    ("violence", "Violence ou menace", "Violence or threat", False, "", ""),
    ("human_waste", "Déjections", "Human waste", False, "", ""),
    ("encampment", "Campement", "Encampment", False, "Tentes, abris de fortune", "Tents, makeshift shelters"),
    (
        "care_refused",
        "Soins refusés",
        "Care refused",
        True,
        "On m'a refusé un soin, un hébergement ou une entrée",
        "I was refused care, shelter or entry",
    ),
    (
        "violence_suffered",
        "Violence subie",
        "Violence suffered",
        True,
        "J'ai subi une violence",
        "Violence was done to me",
    ),
    (
        "other",
        "Autre",
        "Other",
        False,
        "Signalements importés d'autres sources",
        "Reports imported from other sources",
    ),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    for order, (code, fr, en, pwud, help_fr, help_en) in enumerate(DEFAULTS):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_en": en,
                "for_pwud": pwud,
                "order": order,
                "help_fr": help_fr,
                "help_en": help_en,
                "active": code != "other",
            },
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("reports", "Category").objects.filter(code__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
