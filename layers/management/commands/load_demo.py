from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from layers import demo


class Command(BaseCommand):
    help = "Loads the six demo municipalities, their sample layers and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. Demo users have a known password; "
                "use --force if you really want them here."
            )
        demo.load(settings.DEMO_PASSWORD, log=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo ready. Sign in as 'admin' or '<slug>-viewer|editor|manager' "
                "(e.g. krathum-baen-editor) with the password from DEMO_PASSWORD (default 'demo')."
            )
        )
