"""Published starter dashboards for every municipality of the demo (idempotent)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from dashboards.models import Dashboard
from dashboards.starters import STARTERS, create_from_starter
from layers.models import Municipality


class Command(BaseCommand):
    help = "Creates the starter dashboards (infrastructure, tourism, health) where they are missing."

    def handle(self, *args, **options):
        admin = get_user_model().objects.filter(is_superuser=True).first()
        made = 0
        for municipality in Municipality.objects.all():
            for key in STARTERS:
                if Dashboard.objects.filter(municipality=municipality, slug=key).exists():
                    continue
                dashboard = create_from_starter(municipality, key, admin)
                dashboard.is_published = True
                dashboard.save(update_fields=["is_published"])
                made += 1
        self.stdout.write(f"{made} dashboards created.")
