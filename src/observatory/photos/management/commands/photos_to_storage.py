"""observatory photos-to-storage [--from FOLDER] [--dry-run]: copy local photos into the photo storage.

Run once when moving to a bucket (OBSERVATORY_PHOTO_STORAGE=s3, docs/operating.md): every file of
the local folder (reports' originals and blurred copies, complaints' photos) is copied under the
same name, which is what the database rows point to. Safe to run again; deletes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from observatory.photos.services import copy_folder_to_storage

SHOWN = 10  # names listed per problem; the counts are always complete


class Command(BaseCommand):
    help = (
        "Copy the photos of a local folder (default OBSERVATORY_PRIVATE_ROOT) into the photo storage "
        "named by OBSERVATORY_PHOTO_STORAGE, under the same names; nothing is deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="folder",
            type=Path,
            default=None,
            help="the local photo folder (default: OBSERVATORY_PRIVATE_ROOT)",
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would be copied, copy nothing")

    def handle(self, *args, folder: Path | None, dry_run: bool, **opts):
        source = folder or Path(settings.OBSERVATORY_PRIVATE_ROOT)
        try:
            result = copy_folder_to_storage(source, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        where = settings.OBSERVATORY_PHOTO_STORAGE
        self.stdout.write(
            f"{'would copy' if dry_run else 'copied'} {len(result.copied)} files from {source} "
            f"to the {where} photo storage; {len(result.present)} were there already"
        )
        problems = [
            (result.conflicts, "a different file has this name in the storage; left alone"),
            (result.missing, "named by a photo in the database, found neither in the folder nor the storage"),
        ]
        for names, why in problems:
            if names:
                self.stderr.write(f"{len(names)} files: {why}:")
                for name in names[:SHOWN]:
                    self.stderr.write(f"  {name}")
                if len(names) > SHOWN:
                    self.stderr.write(f"  ... and {len(names) - SHOWN} more")
        if result.conflicts or result.missing:
            raise CommandError("some photos are not in the storage: see above")
