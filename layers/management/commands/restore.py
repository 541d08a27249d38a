from django.core.management.base import BaseCommand, CommandError

from layers.backup import database_is_empty, restore


class Command(BaseCommand):
    help = "Restores an archive made by `backup` into an empty database (and its media files)."

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive, **options):
        if not database_is_empty():
            raise CommandError(
                "The database is not empty: restore into a new database (createdb, then set DATABASE_URL) "
                "so that nothing stored is overwritten. / ฐานข้อมูลไม่ว่าง: กู้คืนลงฐานข้อมูลใหม่เท่านั้น"
            )
        restore(archive)
        self.stdout.write(self.style.SUCCESS(f"Restored {archive}"))
