"""observatory bulletin --month YYYY-MM [--edition public|members] [--language fr|en] [--json]

Builds and stores the bulletin of a released month (replacing the stored one of that month and
edition), with its PDF, and prints what it holds. Exit 2 when the month is malformed or not
released yet. Nothing is mailed: the monthly job sends the public edition to subscribers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from observatory.bulletins import core, services
from observatory.core.clikit import InputError, emit, format_table, run_command


class Command(BaseCommand):
    help = "Build and store the monthly bulletin of a released month (web page, PDF, CSV per figure)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="the month, as YYYY-MM (it must be released)")
        parser.add_argument("--edition", default="public", help="public (default) or members")
        parser.add_argument(
            "--language", default=None, help="the bulletin's language (default: the site's, LANGUAGE_CODE)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")

    def handle(self, *args, month: str, edition: str, language: str | None, json: bool, **opts):
        def body() -> None:
            try:
                first = core.parse_month(month)
            except ValueError as exc:
                raise InputError(str(exc), field="--month") from None
            if edition not in core.EDITIONS:
                raise InputError(f"{edition!r}: choose public or members", field="--edition")
            codes = [code for code, _name in settings.LANGUAGES]
            if language is not None and language not in codes:
                raise InputError(f"{language!r}: choose one of {', '.join(codes)}", field="--language")
            try:
                bulletin = services.generate(first, edition, language=language)
            except services.NotReady as exc:
                raise InputError(str(exc), field="--month") from None
            doc = bulletin.data
            payload = {
                "month": doc["month"],
                "edition": doc["edition"],
                "language": doc["language"],
                "generated_at": doc["generated_at"],
                "url": doc["url"],
                "pdf_url": f"{doc['url']}bulletin.pdf",
                "pdf_bytes": len(bytes(bulletin.pdf)),
                "summary": doc["summary"],
                "sections": [
                    {
                        "key": s["key"],
                        "title": s["title"],
                        "note": s["note"],
                        "figures": [
                            {
                                "key": f["key"],
                                "sentence": f["sentence"],
                                "csv_url": f"{doc['url']}{f['key']}.csv",
                                "columns": [c for c, _label in f["columns"]],
                                "rows": f["rows"],
                            }
                            for f in s["figures"]
                        ],
                    }
                    for s in doc["sections"]
                ],
            }

            def human() -> str:
                rows = [
                    (s["key"], f["key"], len(f["rows"]), f["sentence"])
                    for s in doc["sections"]
                    for f in s["figures"]
                ]
                return (
                    f"{doc['title']} ({doc['edition_label']}): stored, PDF {payload['pdf_bytes']} bytes\n"
                    f"page: {doc['url']}\n\n" + format_table(("section", "figure", "rows", "sentence"), rows)
                )

            emit(payload, as_json=json, human=human)

        code = run_command(body, json_output=json)
        if code:
            raise SystemExit(code)
