"""Realistic demo data: four demo accounts, a few hundred users, about 90 days of chats and
the ratings given to the answers. It lives in `insights` because it writes through both
apps' write paths."""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from assistants import rollups, services
from assistants.models import (
    Assistant,
    ConfigurationVersion,
    Conversation,
    Message,
    ModelPrice,
    Participant,
)
from assistants.services import NewFailure, NewMessage
from feedback.models import DEFAULT_REASONS
from feedback.services import NewRating, record_ratings

DEMO_PASSWORD = "insights-demo"
DEMO_ACCOUNTS = {
    "creator": (
        "Casey",
        "Creator",
        "made Travel Planner and HR Policy Helper, edits Code Reviewer",
    ),
    "editor": ("Eden", "Editor", "edits Travel Planner, made Code Reviewer"),
    "user": ("Uma", "User", "chats with all three"),
    "outsider": ("Oscar", "Outsider", "sees none of them, only an assistant of its own"),
}
CROWD_SIZE = 300
DAYS = 90
PRAISE = [
    "Exactly what I needed, thanks!",
    "Clear and to the point.",
    "Great suggestions, I booked two of them.",
    "",
    "",
]
COMPLAINTS = [
    "Too long, I just wanted the opening hours.",
    "This ignored that I said I travel with a dog.",
    "The train times were out of date.",
    "Wrong: the museum is closed on Mondays.",
    "",
]
# (question, answer) pairs the demo conversations are made of.
EXCHANGES = [
    (
        "Can you suggest a three-day itinerary for Lisbon?",
        "**Day 1:** Alfama and the castle at sunset.\n\n**Day 2:** Belém — the tower, the "
        "monastery and a *pastel de nata*.\n\n**Day 3:** a day trip to Sintra by train.",
    ),
    (
        "What should I pack for a week of hiking in October?",
        "Layers: a base layer, a fleece and a waterproof shell. Add broken-in boots, a hat, "
        "gloves and a head torch — days are short in October.",
    ),
    (
        "Is a rail pass worth it for two weeks in Italy?",
        "Usually not: regional trains are cheap and high-speed seats need a reservation "
        "anyway. Buy point-to-point tickets early for the fast trains.",
    ),
    (
        "How early should I get to the airport for an international flight?",
        "Plan on **three hours** before departure, more in peak season or if you check a bag.",
    ),
    (
        "What are quiet beaches near Barcelona?",
        "Try Cala Pola and Cala Giverola on the Costa Brava, or Platja de Garraf to the south; "
        "go early on weekdays.",
    ),
    (
        "Which museums in Paris are open on Mondays?",
        "The Louvre, the Centre Pompidou and the Musée d'Orsay… — check each one's site, as "
        "opening days change.",
    ),
]
# The demo's models: (median latency in ms, spread of its logarithm, input and output USD per
# million tokens, share of failed replies). "offline" is the built-in backend.
MODELS = {
    "offline": (40, 0.5, "0", "0", 0.0),
    "gpt-4o": (6200, 0.45, "2.50", "10.00", 0.04),
    "gpt-4o-mini": (2300, 0.4, "0.15", "0.60", 0.015),
}
PRICES_FROM = datetime(2024, 1, 1, tzinfo=UTC)
# Tokens of retrieved context every answer reads besides the thread.
CONTEXT_TOKENS = 400
CHANGE_TIME = time(9, 30)
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
LAST_NAMES = ["Silva", "Nguyen", "Martin", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad"]


@dataclass(frozen=True)
class DemoAssistant:
    name: str
    description: str
    time_zone: str
    daily_users: int  # typical weekday active users before the configuration change
    boost: float  # growth after the configuration change
    creator: str
    editors: tuple[str, ...] = ()
    crowd_share: float = 1.0
    model: str = "offline"
    model_after_change: str | None = None  # the configuration change also changes the model


DEMO_ASSISTANTS = [
    DemoAssistant(
        "Travel Planner",
        "Plans trips, suggests itineraries and answers travel questions.",
        "Europe/Paris",
        daily_users=45,
        boost=1.7,
        creator="creator",
        editors=("editor",),
    ),
    DemoAssistant(
        "HR Policy Helper",
        "Answers questions about leave, benefits and remote work.",
        "America/New_York",
        daily_users=18,
        boost=1.1,
        creator="creator",
        crowd_share=0.5,
        model="gpt-4o",
        model_after_change="gpt-4o-mini",
    ),
    DemoAssistant(
        "Code Reviewer",
        "Reviews short pieces of code and explains its suggestions.",
        "UTC",
        daily_users=9,
        boost=1.25,
        creator="editor",
        editors=("creator",),
        crowd_share=0.3,
    ),
]


# People of each demo assistant who chat through the events API (see `_seed_assistant`).
API_PEOPLE = 40


class Command(BaseCommand):
    help = "Load realistic demo data once (running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=DAYS, help=f"days of activity (default {DAYS})"
        )

    def handle(self, *args, days: int = DAYS, **options):
        User = get_user_model()
        if Assistant.objects.filter(name="Travel Planner", creator__username="creator").exists():
            self.stdout.write("Demo data is already loaded.")
            self._print_logins()
            return
        rng = random.Random(20261124)
        self._prices()
        accounts = self._demo_accounts(User)
        crowd = self._crowd(User)
        for spec in DEMO_ASSISTANTS:
            self._seed_assistant(spec, accounts, crowd, rng, days)
        self._seed_outsider_assistant(accounts)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, (_, _, role) in DEMO_ACCOUNTS.items():
            self.stdout.write(f"  {username:<9} {role}")

    def _prices(self) -> None:
        for model, (_, _, input_price, output_price, _) in MODELS.items():
            ModelPrice.objects.get_or_create(
                model=model,
                effective_from=PRICES_FROM,
                defaults={
                    "input_usd_per_million": Decimal(input_price),
                    "output_usd_per_million": Decimal(output_price),
                },
            )

    def _demo_accounts(self, User) -> dict:
        accounts = {}
        for username, (first, last, _) in DEMO_ACCOUNTS.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            accounts[username] = user
        return accounts

    def _crowd(self, User) -> list:
        usernames = [f"traveller{n:03d}" for n in range(1, CROWD_SIZE + 1)]
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        unusable = make_password(None)
        User.objects.bulk_create(
            User(
                username=name,
                first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
                last_name=LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)],
                email=f"{name}@example.com",
                password=unusable,
            )
            for number, name in enumerate(usernames)
            if name not in existing
        )
        return list(User.objects.filter(username__in=usernames).order_by("username"))

    @transaction.atomic
    def _seed_assistant(
        self, spec: DemoAssistant, accounts: dict, crowd: list, rng, days: int
    ) -> None:
        creator = accounts[spec.creator]
        people = [accounts["user"], *crowd[: int(len(crowd) * spec.crowd_share)]]
        assistant = services.create_assistant(
            creator=creator,
            name=spec.name,
            description=spec.description,
            instructions="Answer clearly and briefly.",
            model=spec.model,
            time_zone=spec.time_zone,
            editors=[accounts[name] for name in spec.editors],
            users=people,
        )
        Participant.objects.bulk_create(
            Participant(assistant=assistant, user=person) for person in people
        )
        # Visitors of the travel site's own chat widget, who reach the assistant through the
        # events API: the source filter has both kinds to show.
        services.ensure_participants(
            assistant=assistant,
            external_ids=[f"site-visitor-{n:03d}" for n in range(1, API_PEOPLE + 1)],
        )
        participants = list(Participant.objects.filter(assistant=assistant).order_by("id"))
        tz = assistant.tzinfo
        today = timezone.now().astimezone(tz).date()
        change_day = today - timedelta(days=min(20, days // 2))
        for seeded, offset in enumerate(tqdm(range(days, -1, -1), desc=spec.name, unit="day"), 1):
            day = today - timedelta(days=offset)
            self._seed_day(assistant, participants, day, day >= change_day, spec, rng, change_day)
            if seeded & (seeded - 1) == 0:
                _refresh_statistics()
        self._change_without_effect(assistant, accounts, spec, today, days)
        self._change_configuration(assistant, accounts, spec, change_day, days)
        # Recounts the counters too: the versions are dated back after the answers were
        # counted, and each answer counts for the version (and model) in force at its time.
        self._recent_change(assistant, accounts, spec, today)

    def _seed_day(self, assistant, participants, day, after_change, spec, rng, change_day) -> None:
        weekday_factor = (1.0, 1.05, 1.0, 0.95, 0.85, 0.35, 0.3)[day.weekday()]
        expected = spec.daily_users * weekday_factor * (spec.boost if after_change else 1.0)
        active = rng.sample(
            participants,
            min(len(participants), max(0, round(rng.gauss(expected, expected * 0.12)))),
        )
        now = timezone.now()
        conversations, plans = [], []
        for participant in active:
            for _ in range(rng.choice((1, 1, 1, 2))):
                hour = min(22, max(7, round(rng.gauss(13, 3))))
                start = datetime.combine(
                    day, time(hour, rng.randrange(60)), tzinfo=assistant.tzinfo
                )
                if start > now:
                    continue
                opening = rng.choice(EXCHANGES)
                conversations.append(
                    Conversation(
                        assistant=assistant,
                        participant=participant,
                        title=opening[0][:60],
                        created_at=start,
                        # The widget names its conversations (the events API's source).
                        external_id=f"widget-{day}-{len(conversations)}"
                        if participant.external_id
                        else None,
                    )
                )
                plans.append((start, [opening, *rng.choices(EXCHANGES, k=rng.randint(0, 3))]))
        Conversation.objects.bulk_create(conversations)
        messages, failures = [], []
        for conversation, (start, exchanges) in zip(conversations, plans, strict=True):
            # The change takes effect at CHANGE_TIME on its day.
            changed = after_change and (day > change_day or start.time() >= CHANGE_TIME)
            model = spec.model_after_change if changed and spec.model_after_change else spec.model
            median_ms, spread, _, _, failure_share = MODELS[model]
            moment = start
            read = CONTEXT_TOKENS * 3 // 4 + len(assistant.instructions.split())
            for question, answer in exchanges:
                messages.append(NewMessage(conversation.pk, "user", question, moment))
                read += len(question.split())
                if rng.random() < failure_share:
                    # A time-out, then "Try again", which answers.
                    moment += timedelta(seconds=30)
                    failures.append(
                        NewFailure(conversation.pk, moment, model, "The assistant took too long.")
                    )
                latency_ms = round(rng.lognormvariate(math.log(median_ms), spread))
                answered = moment + timedelta(milliseconds=latency_ms)
                messages.append(
                    NewMessage(
                        conversation.pk,
                        "assistant",
                        answer,
                        answered,
                        model=model,
                        latency_ms=(answered - moment) // timedelta(milliseconds=1),
                        # About four tokens for three words, and the whole thread is read.
                        input_tokens=round(read * 4 / 3),
                        output_tokens=round(len(answer.split()) * 4 / 3),
                    )
                )
                read += len(answer.split())
                moment = answered + timedelta(seconds=rng.randint(30, 300))
        stored = services.record_messages(assistant=assistant, messages=messages)
        services.record_failures(assistant=assistant, failures=failures)
        participants = {conversation.pk: conversation.participant for conversation in conversations}
        self._rate_some_answers(
            assistant, [pk for pk, _ in stored], participants, after_change, rng
        )

    def _rate_some_answers(
        self, assistant, message_ids, participants: dict, after_change, rng
    ) -> None:
        """About one answer in eight gets a rating; more of them positive after the change."""
        # No joins: the people come from `participants` ({conversation id: participant}), and
        # a join planned on the still empty tables' statistics can take minutes.
        answers = (
            Message.objects.filter(pk__in=message_ids, role="assistant")
            .values_list("pk", "conversation_id", "created_at", named=True)
            .order_by("pk")
        )
        ratings = []
        now = timezone.now()
        for answer in answers:
            if rng.random() > 0.12:
                continue
            positive = rng.random() < (0.8 if after_change else 0.6)
            participant = participants[answer.conversation_id]
            person = participant.user
            # The widget's visitors have no account to share contact details from.
            share_contact = rng.random() < 0.25 and person is not None
            ratings.append(
                NewRating(
                    message_id=answer.pk,
                    participant_id=participant.pk,
                    value="positive" if positive else "negative",
                    rated_at=min(now, answer.created_at + timedelta(seconds=rng.randint(20, 600))),
                    comment=rng.choice(PRAISE if positive else COMPLAINTS),
                    share_contact=share_contact,
                    contact_name=(person.get_full_name() or person.username)
                    if share_contact
                    else "",
                    contact_email=person.email if share_contact else "",
                    share_chat=rng.random() < 0.15,
                    reasons=_demo_reasons(positive, answer.pk),
                )
            )
        record_ratings(assistant=assistant, ratings=ratings)

    def _change_configuration(self, assistant, accounts, spec, change_day, days) -> None:
        editor = accounts[spec.editors[0]] if spec.editors else accounts[spec.creator]
        version = services.update_configuration(
            assistant=assistant,
            changed_by=editor,
            instructions="Answer clearly and briefly. Ask one clarifying question when the "
            "request is vague, and end with a concrete next step.",
            **({"model": spec.model_after_change} if spec.model_after_change else {}),
        )
        changed_at = datetime.combine(change_day, CHANGE_TIME, tzinfo=assistant.tzinfo)
        ConfigurationVersion.objects.filter(pk=version.pk).update(changed_at=changed_at)
        ConfigurationVersion.objects.filter(assistant=assistant, number=1).update(
            changed_at=changed_at - timedelta(days=days)
        )

    def _change_without_effect(self, assistant, accounts, spec, today, days) -> None:
        """HR Policy Helper: a change of description well before the main one, which the
        generated usage and ratings do not react to (its impact page finds no clear change)."""
        if spec.name != "HR Policy Helper" or days < 70:
            return
        version = services.update_configuration(
            assistant=assistant,
            changed_by=accounts[spec.creator],
            description="Answers questions about leave, benefits, expenses and remote work.",
        )
        changed_at = datetime.combine(today - timedelta(days=50), time(11), tzinfo=assistant.tzinfo)
        ConfigurationVersion.objects.filter(pk=version.pk).update(changed_at=changed_at)

    def _recent_change(self, assistant, accounts, spec, today) -> None:
        """Travel Planner: a change of instructions three days ago, too recent to judge.
        Then, as the versions were dated after the ratings were counted, the counters are
        recomputed."""
        if spec.name == "Travel Planner":
            version = services.update_configuration(
                assistant=assistant,
                changed_by=accounts[spec.creator],
                instructions="Answer clearly and briefly. Ask one clarifying question when the "
                "request is vague, mention the season's weather when it matters, and end with "
                "a concrete next step.",
            )
            changed_at = datetime.combine(
                today - timedelta(days=3), time(16, 45), tzinfo=assistant.tzinfo
            )
            ConfigurationVersion.objects.filter(pk=version.pk).update(changed_at=changed_at)
        rollups.rebuild([assistant.pk])

    def _seed_outsider_assistant(self, accounts) -> None:
        services.create_assistant(
            creator=accounts["outsider"],
            name="Oscar's Notes",
            description="A private assistant the other demo accounts cannot see.",
        )


def _refresh_statistics() -> None:
    """ANALYZE the apps' tables, after the 1st, 2nd, 4th, 8th… day, so their statistics are
    never less than half the rows this transaction has written.

    The write path's statements are prepared with a generic plan, made from the statistics
    at their first run. An assistant is seeded in one transaction, whose rows autovacuum
    cannot see, so without this they would be planned for empty tables all along (a nested
    loop reading every message once per conversation: minutes instead of seconds). ANALYZE
    in the transaction samples its own rows, and the new statistics make PostgreSQL plan
    the statements again."""
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in ("assistants", "feedback") and not model._meta.proxy
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _demo_reasons(positive: bool, answer_id: int) -> tuple[str, ...]:
    """None, one or two reasons of the default lists, drawn apart from the main generator so
    that the rest of the demo data stays as it was."""
    rng = random.Random(answer_id)
    labels = DEFAULT_REASONS["positive" if positive else "negative"]
    return tuple(rng.sample(labels, k=rng.choice((0, 1, 1, 2))))
