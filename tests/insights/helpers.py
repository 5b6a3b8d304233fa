"""Reading the Analytics tab's figures the way a person gets them: the page and its CSV."""

import csv
import io


def analytics_html(client, assistant, start: str, end: str) -> str:
    response = client.get(f"/assistants/{assistant.pk}/insights/?start={start}&end={end}")
    assert response.status_code == 200, response
    return response.text


def analytics_csv_rows(client, assistant, start: str, end: str) -> list[dict[str, str]]:
    response = client.get(
        f"/assistants/{assistant.pk}/insights/analytics.csv?start={start}&end={end}"
    )
    assert response.status_code == 200, response
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def figures_by_day(rows: list[dict[str, str]]) -> dict[str, tuple[int, int, int, int]]:
    """{date: (active_users, conversations, user_messages, assistant_messages)} of busy days."""
    result = {}
    for row in rows:
        figures = (
            int(row["active_users"]),
            int(row["conversations"]),
            int(row["user_messages"]),
            int(row["assistant_messages"]),
        )
        assert int(row["messages"]) == figures[2] + figures[3]
        if any(figures):
            result[row["date"]] = figures
    return result
