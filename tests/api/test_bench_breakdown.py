"""The step-by-step timing of `manage.py bench_ingest` stores real batches and names every
statement of one."""

import pytest

from assistants.models import Message
from insights.bench import ingest_breakdown


# Committed for real, as in the benchmark: the commit is timed by its on_commit callback.
@pytest.mark.django_db(transaction=True)
def test_the_breakdown_stores_its_batches_and_names_each_step(assistant):
    result = ingest_breakdown.run(assistant=assistant, batches=3, warmup=1, batch_size=50, seed=1)
    assert result["stored"] == 150
    assert Message.objects.filter(assistant=assistant).count() == 200
    steps = result["store_steps_ms"]
    assert "other" not in steps
    assert {"insert messages", "fold into counters", "known message ids", "commit"} <= set(steps)
    assert all(ms >= 0 for ms in steps.values())
    assert steps["commit"] > 0
