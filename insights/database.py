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


def stop_embedded(data_dir: Path = EMBEDDED_DATA_DIR) -> None:
    """Stop the embedded server in `data_dir` if it runs, whatever pgserver's own
    `.handle_pids.json` holds (empty, invalid JSON or stale after a crash)."""
    if not (data_dir / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # pg_ctl directly, without pgserver's server object: that object reads the handle file
    # (and fails when it is empty or half written), and only stops the server when no other
    # process it has seen still holds a handle, remembering processes that have long exited.
    pgserver.pg_ctl(["-w", "stop"], pgdata=data_dir, user=_server_owner(data_dir))
    # The handles it listed belonged to the server just stopped; a stale list would only
    # confuse the next start.
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)


def _server_owner(data_dir: Path) -> str | None:
    """The system user that runs the server: as root, pgserver runs it as the owner of the
    data folder (its own `pgserver` user); otherwise the current user (None)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    return pwd.getpwuid(data_dir.stat().st_uid).pw_name


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop_embedded()
    elif sys.argv[1:] == ["url"]:
        print(embedded_database_url())
    else:
        sys.exit("usage: python -m insights.database stop|url")
