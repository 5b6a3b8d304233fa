"""Where the database is: DATABASE_URL when set, otherwise an embedded PostgreSQL.

The embedded server (the `pgserver` package ships the binaries) lives in the git-ignored
`.pgdata/` folder and keeps running between commands, so `manage.py` and the test suite
start in milliseconds after the first time. `python -m insights.database stop` stops it.
"""

import os
import sys
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = BASE_DIR / ".pgdata"


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        url = embedded_database_url()
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config["ENGINE"] = "django.db.backends.postgresql"
    options = config.setdefault("OPTIONS", {})
    # Statements sent through `assistants.lib.sql.bulk_cursor` are prepared at their first run
    # on a connection (Django's own cursors never prepare), and prepared statements get a
    # generic plan: look-ups by key whatever the table's statistics say of one assistant.
    # Planned for each run instead, they were planned from the statistics, which can be
    # days old for a busy new assistant, and became scans of all of its messages.
    options.setdefault("prepare_threshold", 0)
    options.setdefault("options", "-c plan_cache_mode=force_generic_plan")
    return config


def embedded_database_url() -> str:
    with warnings.catch_warnings():
        # pgserver falls back to /tmp when XDG_RUNTIME_DIR is unset, and says so each time.
        warnings.simplefilter("ignore")
        import pgserver  # imported here: a server reached through DATABASE_URL does not need it

        server = pgserver.get_server(EMBEDDED_DATA_DIR, cleanup_mode=None)
    return server.get_uri()


def stop_embedded() -> None:
    if not (EMBEDDED_DATA_DIR / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(EMBEDDED_DATA_DIR, cleanup_mode=None)
    # pg_ctl directly: pgserver only stops the server when no other process it has seen
    # still holds a handle, and it remembers processes that have long exited.
    pgserver.pg_ctl(["-w", "stop"], pgdata=EMBEDDED_DATA_DIR, user=server.system_user)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop_embedded()
    elif sys.argv[1:] == ["url"]:
        print(embedded_database_url())
    else:
        sys.exit("usage: python -m insights.database stop|url")
