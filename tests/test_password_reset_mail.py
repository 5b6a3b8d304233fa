"""The password-reset mail really leaves: EMAIL_URL points Django at a real SMTP server
(aiosmtpd, started by the test on a free loopback port), which receives the link."""

import re
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured

from insights.env import email_settings
from tests.factories import UserFactory


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            (envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8", "replace"))
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def test_the_reset_mail_goes_through_the_smtp_server_of_email_url(client, db, settings, smtp_inbox):
    inbox, port = smtp_inbox
    for name, value in email_settings(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, name, value)
    UserFactory(username="gale", email="gale@example.com")

    response = client.post("/accounts/password_reset/", {"email": "gale@example.com"})

    assert response.status_code == 302
    assert len(inbox.messages) == 1
    sender, recipients, content = inbox.messages[0]
    assert recipients == ["gale@example.com"]
    assert sender == "insights@localhost"
    link = re.search(r"http://testserver(/accounts/reset/\S+/\S+/)", content).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()


def test_the_default_is_the_console_and_a_bad_url_fails_loudly():
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_settings("smtp://mail.example.com:587/?tls=True")["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL must start with one of"):
        email_settings("carrier-pigeon://loft")
