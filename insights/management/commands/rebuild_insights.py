import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assistants import rollups
from assistants.models import Assistant


class Command(BaseCommand):
    help = (
        "Recompute the Usage Insights counters (usage, answer quality and cost, feedback) "
        "from the raw events, for one assistant or all of them. Answers without a cost of "
        "their own are costed again with the model prices as they are now."
    )

    def add_arguments(self, parser):
        parser.add_argument("assistant_id", nargs="?", type=int)

    def handle(self, *args, assistant_id=None, **options):
        assistants = Assistant.objects.all()
        if assistant_id is not None:
            assistants = assistants.filter(pk=assistant_id)
            if not assistants.exists():
                raise CommandError(f"No assistant with id {assistant_id}.")
        ids = list(assistants.values_list("pk", flat=True))
        started = time.perf_counter()
        with transaction.atomic():
            rollups.rebuild(ids)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Rebuilt the counters of {len(ids)} assistant(s) in {elapsed:.2f} s.")
