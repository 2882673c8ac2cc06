"""observatory load-addresses FILE [--replace]

Street addresses from the French national address base (BAN, "adresses-XX.csv": semicolon
separated, columns id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;...;lon;lat;...)
for the address search of the report form. All or nothing: a bad row prints its file, line and
field (exit 2) and nothing is loaded. Loading a file again updates the addresses it has.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from observatory.addresses import services
from observatory.core.clikit import InputError


class Command(BaseCommand):
    help = "Load street addresses from a Base Adresse Nationale CSV file (the report form's address search)."

    def add_arguments(self, parser):
        parser.add_argument("file", help='a BAN file, such as "adresses-75.csv"')
        parser.add_argument("--replace", action="store_true", help="remove the addresses loaded before")

    def handle(self, *args, **opts):
        try:
            result = services.load(opts["file"], replace=opts["replace"])
        except InputError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            f"{result['file']}: {result['created']} addresses added, {result['updated']} updated "
            f"({result['total']} in all)"
        )
