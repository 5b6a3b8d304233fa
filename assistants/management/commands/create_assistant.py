from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assistants import services


class Command(BaseCommand):
    help = "Create an assistant and print its id."

    def add_arguments(self, parser):
        parser.add_argument("--creator", required=True, metavar="USERNAME")
        parser.add_argument("--name", required=True)
        parser.add_argument("--editor", action="append", default=[], metavar="USERNAME")
        parser.add_argument("--user", action="append", default=[], metavar="USERNAME")
        parser.add_argument("--time-zone", metavar="TZ", help="IANA name, e.g. Europe/Paris")
        parser.add_argument("--description", default="")
        parser.add_argument("--instructions", default="")

    def handle(self, *args, **options):
        creator = self._user(options["creator"])
        editors = [self._user(name) for name in options["editor"]]
        users = [self._user(name) for name in options["user"]]
        if creator in editors or creator in users:
            raise CommandError("The creator cannot also be an editor or user.")
        try:
            assistant = services.create_assistant(
                creator=creator,
                name=options["name"],
                description=options["description"],
                instructions=options["instructions"],
                time_zone=options["time_zone"],
                editors=editors,
                users=users,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(str(assistant.pk))

    def _user(self, username: str):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
