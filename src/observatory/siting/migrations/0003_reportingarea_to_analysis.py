# The residents layer moved to the analysis app (analysis 0003_reportingarea): the model leaves the
# siting app's state only; its table, siting_reportingarea, stays with its rows.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("siting", "0002_reporting_area"),
        ("analysis", "0003_reportingarea"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReportingArea")],
            database_operations=[],
        ),
    ]
