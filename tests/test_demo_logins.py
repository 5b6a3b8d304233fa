"""The README's demo logins say what the demo data does."""

from pathlib import Path

from django.core.management import call_command

from assistants.models import Assistant, Membership
from insights.management.commands.seed_demo import DEMO_ACCOUNTS

README = Path(__file__).resolve().parents[1] / "README.md"


def _roles(username: str) -> set[tuple[str, str]]:
    made = {(a.name, "creator") for a in Assistant.objects.filter(creator__username=username)}
    member = set(
        Membership.objects.filter(user__username=username).values_list("assistant__name", "role")
    )
    return made | member


def test_the_readme_describes_each_demo_login_as_seeded(db):
    call_command("seed_demo", "--days=2", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert _roles("creator") == {
        ("Travel Planner", "creator"),
        ("HR Policy Helper", "creator"),
        ("Code Reviewer", "editor"),
    }
    assert _roles("editor") == {("Travel Planner", "editor"), ("Code Reviewer", "creator")}
    assert _roles("user") == {
        ("Travel Planner", "user"),
        ("HR Policy Helper", "user"),
        ("Code Reviewer", "user"),
    }
    assert _roles("outsider") == {("Oscar's Notes", "creator")}

    readme = " ".join(README.read_text().split())
    for username, (_, _, description) in DEMO_ACCOUNTS.items():
        assert f"`{username}` ({description})" in readme
