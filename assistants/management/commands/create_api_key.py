from django.core.management.base import BaseCommand, CommandError

from assistants import services
from assistants.models import Assistant


class Command(BaseCommand):
    help = (
        "Create an API key with which a chat front end sends events for the assistant, and "
        "print it (it is stored hashed: this is the only time it is shown)."
    )

    def add_arguments(self, parser):
        parser.add_argument("assistant_id", type=int, metavar="ASSISTANT_ID")
        parser.add_argument("--name", default="Command line", help="Where the key is used.")
        parser.add_argument(
            "--requests-per-minute",
            type=int,
            default=None,
            help="Requests past this many in one minute get 429 (default 1200).",
        )

    def handle(self, *args, **options):
        assistant = Assistant.objects.filter(pk=options["assistant_id"]).first()
        if assistant is None:
            raise CommandError(f"No assistant with id {options['assistant_id']}.")
        limit = options["requests_per_minute"]
        if limit is not None and limit < 1:
            raise CommandError("--requests-per-minute must be at least 1.")
        _, key = services.create_api_key(
            assistant=assistant,
            name=options["name"],
            created_by=None,
            requests_per_minute=limit,
        )
        self.stdout.write(key)
