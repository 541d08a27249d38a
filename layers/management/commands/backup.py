import datetime

from django.core.management.base import BaseCommand

from layers.backup import backup


class Command(BaseCommand):
    help = "Writes the database and the uploaded files into one archive."

    def add_arguments(self, parser):
        default = f"backup-{datetime.datetime.now():%Y%m%d-%H%M%S}.tar"
        parser.add_argument("-o", "--output", default=default)

    def handle(self, *args, output, **options):
        archive = backup(output)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {archive}"))
