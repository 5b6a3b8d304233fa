import time

from django.core.management.base import BaseCommand, CommandError

from assistants import parallel_rebuild
from assistants.models import Assistant


class Command(BaseCommand):
    help = (
        "Recompute the Usage Insights counters (usage, answer quality and cost, feedback) "
        "from the raw events, for one assistant or all of them. Answers without a cost of "
        "their own are costed again with the model prices as they are now."
    )

    def add_arguments(self, parser):
        parser.add_argument("assistant_id", nargs="?", type=int)
        parser.add_argument(
            "--jobs",
            type=int,
            default=parallel_rebuild.DEFAULT_JOBS,
            help="Database connections rebuilding at once, each a share of the assistants "
            f"in a transaction of its own (default {parallel_rebuild.DEFAULT_JOBS}; 1: all "
            "of them in one transaction).",
        )

    def handle(self, *args, assistant_id=None, jobs, **options):
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        assistants = Assistant.objects.all()
        if assistant_id is not None:
            assistants = assistants.filter(pk=assistant_id)
            if not assistants.exists():
                raise CommandError(f"No assistant with id {assistant_id}.")
        ids = list(assistants.values_list("pk", flat=True))
        started = time.perf_counter()
        parallel_rebuild.rebuild(ids, jobs=jobs)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Rebuilt the counters of {len(ids)} assistant(s) in {elapsed:.2f} s.")
