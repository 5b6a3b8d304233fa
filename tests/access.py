"""SPEC §2 as data, for the access tests: the five people, what each need allows them, how a
refusal answers, and a picture of the database to show that a refused write changed nothing."""

from django.apps import apps

ROLES = ("creator", "editor", "user", "other", "anonymous")
ALLOWED = "allowed"
LOGIN = "login"

# What each person gets, by what the URL needs (assistants.selectors.Need).
USE = {"creator": ALLOWED, "editor": ALLOWED, "user": ALLOWED, "other": 404, "anonymous": LOGIN}
MANAGE = {"creator": ALLOWED, "editor": ALLOWED, "user": 404, "other": 404, "anonymous": LOGIN}
SHARE = {"creator": ALLOWED, "editor": 403, "user": 404, "other": 404, "anonymous": LOGIN}

# The apps whose rows a request could change (the session table is Django's own).
_APPS = ("auth", "assistants", "feedback")


def assert_status(response, expected: int | str) -> None:
    """`expected` is a status code, or LOGIN: the redirect to sign in and come back."""
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table of our apps and of the accounts, by model, in key order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for label in _APPS
        for model in apps.get_app_config(label).get_models()
    }
