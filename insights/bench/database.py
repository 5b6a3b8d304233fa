"""Where the benchmarks put their data: never the database the app uses.

With DATABASE_URL set, each benchmark needs its own variable naming its database
(`BENCH_DATABASE_URL` for `bench_insights`, `BENCH_INGEST_DATABASE_URL` for `bench_ingest`);
otherwise it uses a database of its own name on the embedded server, created when missing.
`python -m insights.bench.database` prints where `bench_insights` loads its data.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
from psycopg import sql

from insights.database import embedded_database_url

BENCH_DATABASE_NAME = "insights_bench"
INGEST_DATABASE_NAME = "insights_bench_ingest"


def bench_database_url(
    *,
    variable: str = "BENCH_DATABASE_URL",
    name: str = BENCH_DATABASE_NAME,
    purpose: str = "a separate database that it may fill with ten million messages",
) -> str:
    """The URL of a benchmark's database: `variable` when DATABASE_URL is set (RuntimeError
    when it is not, saying the database must be `purpose`), otherwise the embedded server's
    database `name`, created when missing."""
    if os.environ.get("DATABASE_URL", "").strip():
        url = os.environ.get(variable, "").strip()
        if not url:
            raise RuntimeError(
                f"DATABASE_URL is set, so the benchmark needs {variable}: {purpose}."
            )
        return url
    server_url = embedded_database_url()
    with psycopg.connect(server_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_name(server_url, name)


def ingest_database_url() -> str:
    """Where `bench_ingest` runs: a database it drops and creates again each run."""
    return bench_database_url(
        variable="BENCH_INGEST_DATABASE_URL",
        name=INGEST_DATABASE_NAME,
        purpose="a database on a server where it may drop and create that database",
    )


def same_database(first: str, second: str) -> bool:
    a, b = dj_database_url.parse(first), dj_database_url.parse(second)
    return (a["HOST"], a["PORT"], a["NAME"]) == (b["HOST"], b["PORT"], b["NAME"])


def _with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _drop_if_exists(admin: psycopg.Connection, name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def recreate_database(url: str) -> None:
    """Drop the database of `url` (closing its connections) and create it empty."""
    name = dj_database_url.parse(url)["NAME"]
    with psycopg.connect(_with_name(url, "postgres"), autocommit=True) as admin:
        _drop_if_exists(admin, name)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = dj_database_url.parse(url)["NAME"]
    with psycopg.connect(_with_name(url, "postgres"), autocommit=True) as admin:
        _drop_if_exists(admin, name)


if __name__ == "__main__":
    print(bench_database_url())
