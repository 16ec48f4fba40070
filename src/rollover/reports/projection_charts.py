"""The projection's pictures, defined once as ECharts option objects (plain data, JSON as it is):
the projection page draws them (`entrypoints/web/pages/static/projection.js`, the page's JSON
block `projection-charts`) and so does a run's HTML report (`reports/run_html.py`, the same
script inlined).  The numbers are the projection's own (`services.projection`)."""

from __future__ import annotations

from .projection import school_names

# On a page the grade chart shows this many bars' rows and scrolls through the rest (a slider);
# a printed report shows them all.
SHOWN_ROWS = 30
TEXT_COLOR = "#1b1b1b"
BEFORE_COLOR, AFTER_COLOR = "#8c8c8c", "#0a4fb3"
# Tooltips drawn on the canvas: an HTML tooltip would carry inline styles the page forbids.
TOOLTIP = {"renderMode": "richText", "confine": True}


def projection_charts(projection: dict, *, scroll: bool = True,
                      renderer: str = "canvas") -> dict:
    """{"renderer", "charts": [{"id", "height_rem", "option"}]}: the grade chart (`grade-chart`)
    and, when students change school, the flow chart (`flow-chart`).  `scroll`: a long grade
    chart scrolls (a page) rather than growing to hold every row (print); `renderer`: ECharts'
    "canvas" or "svg" (sharp when printed)."""
    charts = [grade_chart(projection, scroll=scroll)]
    if projection["flows"]:
        charts.append(flow_chart(projection))
    return {"renderer": renderer, "charts": charts}


def grade_chart(projection: dict, *, scroll: bool = True) -> dict:
    """Grouped bars, the year before's beside the projected year's, for each school's grades in
    their order."""
    before, after = projection["year"] - 1, projection["year"]
    rows = [(f"{school['name'] or school['school_id']} · {g['grade']}", g)
            for school in projection["schools"] for g in school["grades"]]
    many = scroll and len(rows) > SHOWN_ROWS
    shown = min(len(rows), SHOWN_ROWS) if scroll else len(rows)
    return {"id": "grade-chart", "height_rem": max(18, round(6 + 1.6 * shown, 1)), "option": {
        "animation": False,
        "color": [BEFORE_COLOR, AFTER_COLOR],
        "tooltip": {**TOOLTIP, "trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "textStyle": {"color": TEXT_COLOR}},
        "grid": {"left": 8, "right": 48 if many else 16, "top": 32, "bottom": 8,
                 "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1, "axisLabel": {"color": TEXT_COLOR}},
        "yAxis": {"type": "category", "inverse": True, "data": [label for label, _g in rows],
                  "axisLabel": {"color": TEXT_COLOR}},
        "dataZoom": [
            {"type": "slider", "yAxisIndex": 0, "right": 8, "startValue": 0,
             "endValue": SHOWN_ROWS - 1},
            {"type": "inside", "yAxisIndex": 0, "zoomOnMouseWheel": False,
             "moveOnMouseWheel": True},
        ] if many else [],
        "series": [
            {"name": f"{before}", "type": "bar", "data": [g["current"] for _l, g in rows]},
            {"name": f"{after} projected", "type": "bar",
             "data": [g["projected"] for _l, g in rows]},
        ],
    }}


def flow_chart(projection: dict) -> dict:
    """A Sankey diagram: each school of the year before on the left, each of the projected year
    on the right, a band as wide as the students who move from one to the other."""
    before, after = projection["year"] - 1, projection["year"]
    names = school_names(projection)
    nodes: dict[str, dict] = {}
    links = []
    for flow in projection["flows"]:
        source = f"{names.get(flow['from_school_id'], flow['from_school_id'])} ({before})"
        target = f"{names.get(flow['to_school_id'], flow['to_school_id'])} ({after})"
        nodes[source] = {"name": source, "depth": 0, "label": {"position": "right"}}
        nodes[target] = {"name": target, "depth": 1, "label": {"position": "left"}}
        links.append({"source": source, "target": target, "value": flow["count"]})
    return {"id": "flow-chart", "height_rem": max(18, round(4 + 2.5 * len(nodes), 1)), "option": {
        "animation": False,
        "tooltip": {**TOOLTIP, "trigger": "item"},
        "series": [{
            "type": "sankey", "data": list(nodes.values()), "links": links,
            "left": 8, "right": 8, "top": 8, "bottom": 8, "nodeAlign": "justify",
            "emphasis": {"focus": "adjacency"},
            # The drawing script narrows each label to its half of the chart's width.
            "label": {"color": TEXT_COLOR, "overflow": "truncate"},
            "lineStyle": {"color": "gradient", "opacity": 0.45},
        }],
    }}
