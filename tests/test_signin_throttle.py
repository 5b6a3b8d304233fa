"""Repeated wrong passwords get 429 with a clear message (SPEC §8), on both sign-in pages,
counted by account and by address in PostgreSQL (django-axes)."""

import pytest
from axes.models import AccessAttempt

from tests.factories import UserFactory

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


def _sign_in(client, page: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("login_page", LOGIN_PAGES)
def test_wrong_passwords_for_one_account_lock_it_even_with_the_right_one(client, db, login_page):
    UserFactory(username="dana", password="right-password-1", is_staff=True)
    statuses = [
        _sign_in(client, login_page, "dana", f"wrong-{n}", address=f"10.0.1.{n}").status_code
        for n in range(5)
    ]
    # The fifth wrong password is the one that locks.
    assert statuses == [200, 200, 200, 200, 429]
    locked = _sign_in(client, login_page, "dana", "right-password-1", address="10.0.2.1")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    html = locked.content.decode()
    assert "Too many sign-in attempts" in html
    assert "Try again in 15 minutes." in html
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="dana").exists()


def test_one_address_trying_many_accounts_is_locked(client, db):
    for number in range(5):
        _sign_in(client, "/accounts/login/", f"someone-{number}", "guess", address="10.9.9.9")
    UserFactory(username="erin", password="right-password-2")
    assert (
        _sign_in(client, "/accounts/login/", "erin", "right-password-2", "10.9.9.9").status_code
        == 429
    )
    # Another address signs the same account in.
    response = _sign_in(client, "/accounts/login/", "erin", "right-password-2", "10.1.1.1")
    assert response.status_code == 302


def test_a_few_typos_then_the_right_password_sign_in(client, db):
    UserFactory(username="fay", password="right-password-3")
    for attempt in range(4):
        assert _sign_in(client, "/accounts/login/", "fay", f"typo-{attempt}").status_code == 200
    assert _sign_in(client, "/accounts/login/", "fay", "right-password-3").status_code == 302
