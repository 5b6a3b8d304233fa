"""Every response carries the Content-Security-Policy: pages, errors, the API, static files."""

import pytest


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/no-such-page/", "/api/v1/openapi.json", "/static/js/app.js"]
)
def test_every_response_carries_the_policy(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-eval" not in policy
