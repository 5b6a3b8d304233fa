"""A PostgreSQL server of one's own, on a data folder given by the caller, that can be stopped
and started at will: the outage tests and the outage measurement restart it under load.

The binaries are the `pgserver` package's; the server listens on a Unix socket only, in a
folder that pgserver chooses, so it never collides with another server on the machine.
"""

import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg


class PrivatePostgres:
    def __init__(self, data_dir: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

        self._pgserver = pgserver
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Not get_server(): it keeps one handle per folder for the whole process.
        self._server = pgserver.PostgresServer(self.data_dir.resolve(), cleanup_mode=None)
        uri = self._server.get_uri()
        self.socket_dir = parse_qs(urlsplit(uri).query)["host"][0]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def django_settings(self, database: str) -> dict:
        """The keys of a Django DATABASES entry that point it at this server."""
        return {
            "NAME": database,
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": self.socket_dir,
            "PORT": "",
        }

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')

    def stop(self, mode: str = "fast") -> None:
        """Stops the server: `fast` ends every session with "terminating connection due to
        administrator command", `immediate` is a crash (recovery at the next start)."""
        self._pg_ctl(["-w", "-m", mode, "stop"])

    def start(self) -> None:
        self._pg_ctl(
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {self.socket_dir}",
                "-l",
                str(self.data_dir / "log"),
                "start",
            ]
        )

    def _pg_ctl(self, args: list[str]) -> None:
        self._pgserver.pg_ctl(
            args, pgdata=self.data_dir.resolve(), user=self._server.system_user, timeout=60
        )
