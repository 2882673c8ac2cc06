"""Fill the dashboard's counts from the reports already published (a database upgraded to this
version has reports and no counts; ``observatory rebuild-analysis-counts`` does the same later)."""

from django.db import migrations


def fill(apps, schema_editor):
    # The live module: the counts are computed exactly as publication keeps them.
    from observatory.analysis.services import aggregates

    if apps.get_model("reports", "Report").objects.filter(status="published").exists():
        aggregates.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_initial"),
        ("reports", "0008_follow_ups"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
