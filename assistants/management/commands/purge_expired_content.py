from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assistants import retention, services
from assistants.models import Assistant


class Command(BaseCommand):
    help = (
        "Erase chat text older than each assistant's retention setting (messages, "
        "conversation titles, rated-answer copies, shared chats), keeping every count. "
        "Meant for cron: works in short batches, safe to interrupt and to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "assistant_ids", nargs="*", type=int, metavar="ASSISTANT_ID", help="Only these."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention.DEFAULT_BATCH_SIZE,
            help="Messages erased per transaction (default %(default)s).",
        )

    def handle(self, *args, assistant_ids=(), batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        assistants = Assistant.objects.filter(retention_days__isnull=False).order_by("pk")
        if assistant_ids:
            missing = set(assistant_ids) - set(
                Assistant.objects.filter(pk__in=assistant_ids).values_list("pk", flat=True)
            )
            if missing:
                raise CommandError(f"No assistant with id {', '.join(map(str, sorted(missing)))}.")
            assistants = assistants.filter(pk__in=assistant_ids)
        now = timezone.now()
        purged = 0
        for assistant in assistants:
            purged += 1
            limit = retention.expiry_limit(assistant, now=now)
            erased = Counter()
            for batch in retention.purge_expired_text(assistant, now=now, batch_size=batch_size):
                erased.update(batch)
            what = f"erased {services.erased_summary(erased)}" if +erased else "nothing to erase"
            self.stdout.write(
                f"{assistant.name} (#{assistant.pk}), keeps {assistant.retention_days} days, "
                f"text before {limit:%Y-%m-%d %H:%M} UTC: {what}."
            )
        if not purged:
            self.stdout.write("No assistant limits how long chat text is kept: nothing to do.")
