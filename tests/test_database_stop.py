"""`make db-stop` (`python -m insights.database stop`) stops the embedded server whatever
pgserver's handle file holds."""

import contextlib
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

from insights.database import _server_owner, stop_embedded


@pytest.fixture
def embedded_server():
    """A real embedded server in a folder of its own (under /tmp, which pgserver's own
    system user can reach when the tests run as root)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        data_dir = Path(tempfile.mkdtemp(prefix="insights-db-stop-"))
        pgserver.get_server(data_dir, cleanup_mode=None)
    yield data_dir
    if (data_dir / "postmaster.pid").exists():  # the test failed: do not leave it running
        with contextlib.suppress(subprocess.CalledProcessError):
            pgserver.pg_ctl(
                ["-m", "immediate", "stop"], pgdata=data_dir, user=_server_owner(data_dir)
            )
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("handle_file", ["", "[12, 3", "not json at all"])
def test_db_stop_stops_the_server_whatever_the_handle_file_holds(embedded_server, handle_file):
    assert (embedded_server / "postmaster.pid").exists()
    (embedded_server / ".handle_pids.json").write_text(handle_file)

    stop_embedded(embedded_server)

    assert not (embedded_server / "postmaster.pid").exists()


def test_db_stop_without_a_running_server_does_nothing(tmp_path):
    stop_embedded(tmp_path)

    assert list(tmp_path.iterdir()) == []
