"""`chart_json` writes a chart's figure exactly as Django's `json_script` would."""

from datetime import date
from decimal import Decimal

from django.template import Context, Template
from django.utils.html import json_script

from assistants.templatetags.chart_data import chart_json

FIGURE = {
    "data": [
        {
            "x": [date(2026, 3, 29), date(2026, 3, 30)],
            "y": [Decimal("0.125000"), 3],
            "hovertemplate": "%{y} answers<extra></extra>",
            "hovertext": ["v2 — “shorter” <b>&amp;</b>", "</script><script>alert(1)</script>"],
        }
    ],
    "layout": {"title": "Ça & là > ici < là-bas", "empty": None, "shown": True},
}


def test_the_same_html_as_json_script():
    assert chart_json(FIGURE, "chart-data") == json_script(FIGURE, "chart-data")


def test_nothing_in_the_figure_can_close_the_script_element():
    html = chart_json(FIGURE, "chart-data")
    assert html.count("</script>") == 1
    assert "<b>" not in html and "&amp;" not in html


def test_the_element_id_is_escaped():
    assert chart_json([], 'x" onload="y') == json_script([], 'x" onload="y')


def test_as_a_filter_in_a_template():
    template = Template('{% load chart_data %}{{ figure|chart_json:"the-data" }}')
    rendered = template.render(Context({"figure": FIGURE}))
    assert rendered == json_script(FIGURE, "the-data")
