"""A readable page about the events API, rendered on the server from its OpenAPI document
(the usual interactive viewers load their scripts from the internet)."""

import json

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from insights.api import MAX_BODY_BYTES, api
from insights.ingest import MAX_CLOCK_AHEAD, MAX_CONTENT_BYTES, MAX_EVENTS

EVENT_TYPES = (
    ("MessageEvent", "message"),
    ("FeedbackEvent", "feedback"),
    ("FailureEvent", "failure"),
    ("Contact", None),
)


def _type_of(spec: dict) -> str:
    if "const" in spec:
        return json.dumps(spec["const"])
    if "enum" in spec:
        return " | ".join(json.dumps(value) for value in spec["enum"])
    if "$ref" in spec:
        return "object (" + spec["$ref"].rsplit("/", 1)[-1] + ")"
    if "anyOf" in spec:
        return " or ".join(_type_of(option) for option in spec["anyOf"])
    kind = spec.get("type", "any")
    if spec.get("format"):
        kind += f" ({spec['format']})"
    return kind


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    rows = []
    for name, spec in schema.get("properties", {}).items():
        notes = [spec.get("description", "")]
        if "maxLength" in spec and "at most" not in notes[0].lower():
            notes.append(f"At most {spec['maxLength']} characters.")
        if "default" in spec and name not in required:
            notes.append(f"Default {json.dumps(spec['default'])}.")
        rows.append(
            {
                "name": name,
                "type": _type_of(spec),
                "required": name in required,
                "notes": " ".join(note for note in notes if note),
            }
        )
    return rows


def _example(request) -> dict:
    return {
        "events": [
            {
                "type": "message",
                "id": "m-1",
                "conversation": "c-1",
                "user": "u-42",
                "role": "user",
                "timestamp": "2026-11-24T10:15:00Z",
                "content": "How do I reset my password?",
            },
            {
                "type": "message",
                "id": "m-2",
                "conversation": "c-1",
                "user": "u-42",
                "role": "assistant",
                "timestamp": "2026-11-24T10:15:04Z",
                "content": "Open Settings, then Security, then Reset password.",
                "model": "gpt-4o-mini",
                "latency_ms": 3850,
                "input_tokens": 412,
                "output_tokens": 96,
            },
            {
                "type": "failure",
                "id": "x-1",
                "conversation": "c-1",
                "user": "u-42",
                "timestamp": "2026-11-24T10:17:30Z",
                "model": "gpt-4o-mini",
                "error": "upstream time-out after 30 s",
            },
            {
                "type": "feedback",
                "id": "f-1",
                "message": "m-2",
                "user": "u-42",
                "rating": "positive",
                "timestamp": "2026-11-24T10:16:00Z",
                "comment": "Quick and right.",
                "contact": {"name": "Ada", "email": "ada@example.com"},
                "share_chat": True,
            },
        ]
    }


@require_GET
def docs(request):
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/events"]["post"]
    example = json.dumps(_example(request), indent=2)
    return render(
        request,
        "api/docs.html",
        {
            "title": schema["info"]["title"],
            "events_url": request.build_absolute_uri(reverse("api-v1:post_events")),
            "openapi_url": reverse("api-v1:openapi-json"),
            "event_types": [
                {"name": name, "type": tag, "fields": _fields(components[name])}
                for name, tag in EVENT_TYPES
            ],
            "responses": [
                {"status": status, "description": spec.get("description", "")}
                for status, spec in operation["responses"].items()
            ],
            "example": example,
            "max_events": MAX_EVENTS,
            "max_body_mib": MAX_BODY_BYTES // 1024 // 1024,
            "max_content_kib": MAX_CONTENT_BYTES // 1024,
            "clock_ahead_minutes": int(MAX_CLOCK_AHEAD.total_seconds() // 60),
        },
    )
