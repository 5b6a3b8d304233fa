"""Section `feedback`: the Feedback tab and the feedback CSV with 1,000,000 ratings on the
largest assistant (see `feedback.bench`, which loads them with COPY and times everything)."""

from assistants.models import Assistant
from feedback import bench as feedback_bench
from insights.bench import Bench


def run(bench: Bench) -> dict:
    options = bench.options
    result = feedback_bench.run(
        largest=Assistant.objects.get(pk=bench.state["largest"]["id"]),
        progress=bench.progress,
        runs=options["runs"],
        warmups=options["warmups"],
        reload=options["reload"],
    )
    for target in result["targets"]:
        limit = {"at_most": target["limit"]} if target["at_most"] else {"at_least": target["limit"]}
        bench.target(target["target"], target["value"], **limit)
    return result
