"""A run's report as one HTML file that needs nothing else (`rollover report RUN_ID --format
html`): its summary, totals per school and grade, warnings by code, and the projection of the
year it places students in as pictures, each beside a table of its numbers, printable.

The pictures are the projection page's own: the chart definitions of `projection_charts`, drawn
by the page's script with the vendored ECharts, both inlined (ECharts' license comment kept), so
the file draws offline, from a disk or a mail, with no request anywhere.  When the district has
attendance areas, their maps (`area_map`, plain SVG, the page's stylesheet inlined) follow.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..domain.runs import RunRecord
from .area_map import area_maps, area_maps_html, stylesheet
from .projection import school_names
from .projection_charts import projection_charts

TEMPLATES = Path(__file__).parent / "templates"
# The web pages' copies of the scripts, served there under /static: one copy of each in the
# package, the same files drawing the page and the report.
STATIC = Path(__file__).resolve().parent.parent / "entrypoints" / "web" / "pages" / "static"
ECHARTS = STATIC / "vendor" / "echarts-6.1.0" / "echarts.min.js"
DRAWING_SCRIPT = STATIC / "projection.js"

_environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True,
                                  undefined=jinja2.StrictUndefined)


def chart_scripts() -> list[str]:
    """The scripts the report inlines, in order: ECharts, then the drawing script."""
    return [ECHARTS.read_text(encoding="utf-8"), DRAWING_SCRIPT.read_text(encoding="utf-8")]


def run_html(run: RunRecord, summary: dict, projection: dict | None, *,
             projection_refused: str | None = None, areas: dict | None = None,
             scripts: Sequence[str] | None = None, made_at: dt.datetime | None = None) -> str:
    """The whole document.  `summary`: `services.run_summary.run_summary` of `run`;
    `projection`: `services.projection.projection` of the year it places students in (with a
    Run Test's proposals), or None, and then `projection_refused` says why there is none;
    `areas`: `services.area_map.attendance_areas`, the district's attendance areas to draw
    (with the projection's students when there is one); `scripts`: the scripts to inline
    (default `chart_scripts()`)."""
    charts = projection_charts(projection, scroll=False, renderer="svg") if projection else None
    maps = area_maps(areas, projection) if areas else []
    context = {
        "run": run, "title": _title(run), "summary": summary, "projection": projection,
        "projection_refused": projection_refused,
        "names": school_names(projection) if projection else {},
        "school_totals": _school_totals(summary["schools"]),
        "sources": (run.options or {}).get("source_calendars", []),
        "made_at": (made_at or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z"),
        "projection_json": _json_block(projection), "charts_json": _json_block(charts),
        "area_maps": area_maps_html(maps, heading_level=4),
        "area_map_css": Markup(stylesheet()) if maps else "",
        "scripts": [_script_block(text) for text in
                    (chart_scripts() if scripts is None else scripts)] if charts else [],
    }
    return _environment.get_template("run_report.html").render(context)


def _title(run: RunRecord) -> str:
    what = "Enrollment roll forward" if run.kind == "forward" else f"{run.kind.capitalize()} run"
    return f"{what} {'Run Test' if run.mode == 'test' else 'Run'} {run.run_id}"


def _school_totals(rows: list[dict]) -> list[dict]:
    """Each school's grades summed: {"school", "this_year", "next_year"}, in the rows' order."""
    totals: dict[str, dict] = {}
    for row in rows:
        name = row["school_name"] or row["school_id"] or "?"
        total = totals.setdefault(name, {"school": name, "this_year": 0, "next_year": 0})
        total["this_year"] += row["this_year"]
        total["next_year"] += row["next_year"]
    return list(totals.values())


def _json_block(data) -> Markup:
    """JSON to sit inside a <script type="application/json">: no "<", ">" or "&" that HTML
    would read (so no "</script>" can end it early)."""
    text = json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _script_block(text: str) -> Markup:
    """A script to sit inside a <script>: "</script" written "<\\/script", the same to
    JavaScript and no end of the element to HTML."""
    return Markup(re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE))
