"""Steps that several browser tests take, and where their pictures go."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The git-ignored test-results/ by default, so that running the tests changes no tracked
# file; `make screenshots` points it at docs/ to refresh the README's pictures.
PICTURES = ROOT / os.environ.get("SCREENSHOTS_DIR", "test-results")


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Assistants").wait_for()
