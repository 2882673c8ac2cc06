"""PostGIS for point-in-area and distance queries (observatory.geo.queries), where it is available.

On PostgreSQL whose server offers the postgis extension (Debian: postgresql-<version>-postgis-3),
this creates the extension and:

* ``reports_area.geom``: the area's GeoJSON as a PostGIS geometry, a stored generated column (kept
  by PostgreSQL itself whenever ``geometry`` changes; Django does not know about it) with a GiST
  index, so that placing a point in its area reads a ready polygon instead of parsing GeoJSON;
* two expression GiST indexes on the reports' points: a WGS84 geometry (point in a polygon) and a
  geography (distance, ``ST_DWithin``); the queries use the very same expressions.

Anywhere else (SQLite, PostgreSQL without the package, or a role that may not create extensions)
it does nothing and the queries take the Python path. After installing the package on a database
that already ran this migration: ``observatory migrate reports 0008 && observatory migrate``.
"""

from django.db import migrations, transaction
from django.db.utils import DatabaseError

FORWARD = [
    "ALTER TABLE reports_area ADD COLUMN IF NOT EXISTS geom geometry "
    "GENERATED ALWAYS AS (ST_GeomFromGeoJSON(geometry)) STORED",
    "CREATE INDEX IF NOT EXISTS area_geom_gist ON reports_area USING gist (geom)",
    "CREATE INDEX IF NOT EXISTS report_point_gist ON reports_report "
    "USING gist ((ST_SetSRID(ST_MakePoint(lon, lat), 4326)))",
    "CREATE INDEX IF NOT EXISTS report_geog_gist ON reports_report "
    "USING gist ((ST_MakePoint(lon, lat)::geography))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS report_geog_gist",
    "DROP INDEX IF EXISTS report_point_gist",
    "DROP INDEX IF EXISTS area_geom_gist",
    "ALTER TABLE reports_area DROP COLUMN IF EXISTS geom",
]


def _postgis(schema_editor) -> bool:
    """Whether postgis is (or can now be) installed in this database."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT installed_version FROM pg_available_extensions WHERE name = 'postgis'")
        row = cursor.fetchone()
        if row is None:
            return False  # the server has no PostGIS package: the Python path
        if row[0] is not None:
            return True
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except DatabaseError:
            return False  # not allowed to (a superuser can: CREATE EXTENSION postgis, then re-run)
    return True


def forward(apps, schema_editor) -> None:
    if not _postgis(schema_editor):
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in FORWARD:
            cursor.execute(sql)
    from observatory.geo import queries

    queries.forget()


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in BACKWARD:
            cursor.execute(sql)
    from observatory.geo import queries

    queries.forget()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_follow_ups"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
