"""`make demo` and every deployment run collectstatic with the manifest storage, which refuses a
static file that names another one it cannot find (a stylesheet's url(), a script's source map).
A missing file there stops the server from starting, so it is checked here, not by surprise."""

from __future__ import annotations

import io

from django.core.management import call_command


def test_collectstatic_with_the_production_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    out = io.StringIO()
    call_command("collectstatic", "--noinput", stdout=out, stderr=out)
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    for served in ("web/vendor/protomaps-leaflet.js", "web/basemap.js", "leaflet/leaflet.js"):
        assert f'"{served}"' in manifest
