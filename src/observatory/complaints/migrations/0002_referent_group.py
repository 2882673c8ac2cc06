"""The "complaints referent" role, created as the other roles are (accounts/migrations/0001_groups.py).

It lives in this app's migrations rather than in accounts' so that the role arrives with the
pages it opens; the name is accounts.roles.REFERENT.
"""

from django.db import migrations

GROUP = "complaints referent"


def add_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("accounts", "0001_groups")]
    operations = [migrations.RunPython(add_group, remove_group)]
