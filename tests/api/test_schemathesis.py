"""The OpenAPI document holds: generated requests, with a real key, never get a 5xx and every
answer matches the document."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistants import services
from tests.factories import AssistantFactory
from tests.properties import ON_THE_DATABASE

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def api_key_for_fuzzing(db):
    # The requests run through the real WSGI handler inside the test's transaction: keep the
    # handler from closing that connection between requests (the test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    assistant = AssistantFactory(time_zone="Europe/Paris")
    _, key = services.create_api_key(
        assistant=assistant, name="Fuzzing", created_by=None, requests_per_minute=1_000_000
    )
    yield key
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(ON_THE_DATABASE, max_examples=150)
def test_generated_requests_never_get_a_5xx_and_match_the_document(case, api_key_for_fuzzing):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key_for_fuzzing}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            response_headers_conformance,
        ],
    )
