# The residents layer moved from the siting app to the analysis app (the scene estimate reads it):
# the model only, its table keeps its name (siting_reportingarea), no row moves.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0002_fill_counts"),
        ("siting", "0002_reporting_area"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReportingArea",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("geometry", models.JSONField()),
                        ("residents_per_km2", models.FloatField(verbose_name="residents per km²")),
                        (
                            "visibility",
                            models.FloatField(blank=True, null=True, verbose_name="visibility (0 to 1)"),
                        ),
                        ("source", models.CharField(blank=True, max_length=300, verbose_name="source")),
                    ],
                    options={
                        "verbose_name": "residents layer area",
                        "ordering": ["name", "id"],
                        "db_table": "siting_reportingarea",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
