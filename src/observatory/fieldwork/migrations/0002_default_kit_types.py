from django.db import migrations

KITS = [
    ("crack_pipe", "Pipes à crack", "Crack pipes", 1),
    ("syringe", "Seringues", "Syringes", 2),
    ("naloxone", "Naloxone", "Naloxone", 3),
    ("other", "Autre matériel", "Other material", 9),
]


def add_kits(apps, schema_editor):
    KitType = apps.get_model("fieldwork", "KitType")
    for code, fr, en, order in KITS:
        KitType.objects.get_or_create(code=code, defaults={"name_fr": fr, "name_en": en, "order": order})


def remove_kits(apps, schema_editor):
    apps.get_model("fieldwork", "KitType").objects.filter(code__in=[k[0] for k in KITS]).delete()


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_initial")]
    operations = [migrations.RunPython(add_kits, remove_kits)]
