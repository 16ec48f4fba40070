"""`rollover report RUN_ID --format html [--out FILE]` (docs/reading-runs.md, "A run's report as
one HTML file"): one file that loads nothing from anywhere, with the run's summary, its totals
per school and grade, its warnings by code, and the projection of the year it places students in
as pictures beside their tables, printable; its numbers are `rollover projection --json`'s, its
pictures the projection page's own chart definitions.  On the demo district (300 students),
SQLite and PostgreSQL, the command in process (tests/cli.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from rollover.domain.forward.options import ForwardOptions
from rollover.domain.runs import RunRecord
from rollover.reports.projection_charts import projection_charts
from rollover.reports.run_html import run_html
from rollover.services.demo import load_demo
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.services.security import add_user
from rollover.store.database import open_engine

from . import cli
from .api_setup import PASSWORD, app_on, quick_hashes  # noqa: F401 - fixture
from .store_templates import from_template
from .test_web_admin_pages import signed_in

# Attributes that make a browser fetch something (or go somewhere).
LOADING = {"src", "href", "srcset", "action", "formaction", "data", "poster", "background",
           "xlink:href", "manifest", "cite", "longdesc", "ping"}


class Document(HTMLParser):
    """What the tests read of a page: every element's tag and attributes, the scripts and styles
    with their text, each table's body rows (by the table's id) as lists of cell texts, and the
    text of each element with a `data-total` (by its value)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.totals: dict[str, str] = {}
        self._total: str | None = None
        self._raw: tuple[str, dict] | None = None  # the script or style being read
        self._text: list[str] = []
        self._table: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        self._total = attributes.get("data-total")
        if tag in ("script", "style"):
            self._raw, self._text = (tag, attributes), []
        elif tag == "table":
            self._table = attributes.get("id")
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw:
            text = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._raw[1], text))
            else:
                self.styles.append(text)
            self._raw = None
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._total:
            self.totals[self._total] = data.strip()
            self._total = None
        if self._raw:
            self._text.append(data)
        elif self._cell is not None:
            self._cell.append(data)

    def json_block(self, block_id: str):
        [text] = [text for attrs, text in self.scripts if attrs.get("id") == block_id]
        return json.loads(text)

    def element(self, element_id: str) -> tuple[str, dict]:
        [found] = [(tag, attrs) for tag, attrs in self.elements if attrs.get("id") == element_id]
        return found


@pytest.fixture
def demo(db_url, tmp_path):
    """The demo district and a Run Test of its 2027 calendars; (engine, URL, the run's id)."""
    engine = open_engine(db_url)
    made = from_template(engine, tmp_path, "demo of 300 students and a Run Test", _demo_run_test)
    yield engine, db_url, made["run_id"]
    engine.dispose()


def _demo_run_test(engine, _folder) -> dict:
    load_demo(engine, students=300)
    calendars = tuple(f"2027-{school}" for school in ("CTR0001", "ELM0001", "HIG0001",
                                                      "MID0001"))
    run = roll_forward(engine, ForwardOptions(source_calendars=calendars, test=True))
    return {"run_id": run.run.run_id}


def rollover(db_url: str, *args: str):
    return cli.rollover("--db", db_url, *args)


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def html_report(db_url: str, run_id: str, tmp_path) -> Document:
    folder = tmp_path / "out"
    folder.mkdir()
    said = ok(rollover(db_url, "report", run_id, "--format", "html", "--out",
                       str(folder / "report.html")))
    assert said.strip() == f"wrote the report of run {run_id} to {folder / 'report.html'}"
    assert [path.name for path in folder.iterdir()] == ["report.html"]  # one file, nothing beside
    return Document((folder / "report.html").read_text(encoding="utf-8"))


def test_the_html_report_is_one_file_that_loads_nothing(demo, tmp_path):
    _engine, db_url, run_id = demo
    page = html_report(db_url, run_id, tmp_path)
    for tag, attrs in page.elements:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base", "source"), tag
        for name, value in attrs.items():
            assert name not in LOADING or (value or "").startswith("#"), (tag, name, value)
    assert all("src" not in attrs for attrs, _text in page.scripts)
    for style in page.styles:
        assert "url(" not in style and "@import" not in style
    assert any("@media print" in style for style in page.styles)  # printable
    code = [text for attrs, text in page.scripts if not attrs.get("type")]
    assert len(code) == 2  # ECharts, then the page's own drawing script
    assert "Licensed to the Apache Software Foundation" in code[0] and "echarts" in code[0]
    assert "projection-charts" in code[1] and "echarts.init" in code[1]
    assert all("</script" not in text.lower() for text in code)


def test_the_html_reports_pictures_and_tables_hold_the_projections_numbers(demo, tmp_path):
    _engine, db_url, run_id = demo
    page = html_report(db_url, run_id, tmp_path)
    projected = json.loads(ok(rollover(db_url, "projection", "--year", "2028", "--run", run_id,
                                       "--format", "json")))
    assert projected["flows"]  # the demo's students move up to the next building
    assert page.json_block("projection-data") == projected
    names = {s["school_id"]: s["name"] for s in projected["schools"]}

    assert page.tables["grade-table"] == [
        [s["name"], g["grade"], str(g["current"]), str(g["projected"]),
         f"{g['projected'] - g['current']:+d}" if g["projected"] != g["current"] else "0"]
        for s in projected["schools"] for g in s["grades"]]
    assert page.tables["flow-table"] == [
        [names[f["from_school_id"]], names[f["to_school_id"]], str(f["count"])]
        for f in projected["flows"]]

    # The pictures: the page's chart definitions of the same numbers, every row shown, drawn
    # as SVG (sharp on paper), each in an element that says what it shows.
    charts = page.json_block("projection-charts")
    assert charts == projection_charts(projected, scroll=False, renderer="svg")
    grade_chart, flow_chart = charts["charts"]
    assert [page.element(c["id"])[1]["role"] for c in charts["charts"]] == ["img", "img"]
    bars = grade_chart["option"]["series"]
    rows = [(s, g) for s in projected["schools"] for g in s["grades"]]
    assert bars[0]["data"] == [g["current"] for _s, g in rows]
    assert bars[1]["data"] == [g["projected"] for _s, g in rows]
    assert grade_chart["option"]["yAxis"]["data"] == [f"{s['name']} · {g['grade']}"
                                                      for s, g in rows]
    assert grade_chart["option"]["dataZoom"] == []
    [sankey] = flow_chart["option"]["series"]
    assert [(link["source"], link["target"], link["value"]) for link in sankey["links"]] == [
        (f"{names[f['from_school_id']]} (2027)", f"{names[f['to_school_id']]} (2028)",
         f["count"]) for f in projected["flows"]]


def test_the_html_report_opens_with_the_runs_summary(demo, tmp_path):
    _engine, db_url, run_id = demo
    page = html_report(db_url, run_id, tmp_path)
    run = json.loads(ok(rollover(db_url, "report", run_id, "--format", "json")))
    shown = {name: int(text.replace(",", "")) for name, text in page.totals.items()}
    assert shown == {"rolled": run["totals"]["rolled"],
                     "not_rolled": run["totals"]["not_rolled"],
                     "warnings": len(run["warnings"])}
    counted = Counter(w["code"] for w in run["warnings"])
    assert page.tables["warning-table"] == [
        [code, f"{n:,}"] for code, n in sorted(counted.items(), key=lambda i: (-i[1], i[0]))]
    # Per school and grade: the text report's table, cell for cell.
    text = ok(rollover(db_url, "report", run_id, "--totals-only")).splitlines()
    start = text.index("Per school and grade, this year beside next:") + 2
    in_text = [re.split(r"\s{2,}", line.strip()) for line in text[start:]]
    assert [row[:4] + [row[4] or ""] for row in page.tables["school-grade-table"]] == [
        row + [""] * (5 - len(row)) for row in in_text if row[1] != "all"]
    assert page.tables["school-table"] == [[row[0], row[2], row[3]] for row in in_text
                                           if row[1] == "all"]


def test_the_html_report_of_a_run_projects_the_stored_enrollments(demo, tmp_path):
    _engine, db_url, _test_run = demo
    run_id = json.loads(ok(rollover(db_url, "forward", "--source-year", "2027", "--json",
                                    "--user", "ann")))["run_id"]
    document = ok(rollover(db_url, "report", run_id, "--format", "html"))  # standard output
    assert document.startswith("<!doctype html>")
    page = Document(document)
    assert page.json_block("projection-data") == json.loads(
        ok(rollover(db_url, "projection", "--year", "2028", "--format", "json")))
    assert "--run" not in document.split('id="projection-data"')[0]


def test_the_projection_page_draws_the_same_chart_definitions(demo, tmp_path):
    engine, db_url, _test_run = demo
    roll_forward(engine, ForwardOptions(source_calendars=tuple(
        source_calendars_of_year(engine, 2027))))
    add_user(engine, "ann", user=None, password=PASSWORD)
    with TestClient(app_on(engine), raise_server_exceptions=False) as client:
        signed_in(client, "ann")
        page = Document(client.get("/projection").text)
    projected = json.loads(ok(rollover(db_url, "projection", "--format", "json")))
    assert projected["flows"]
    charts = page.json_block("projection-charts")
    assert charts == projection_charts(projected)  # a page scrolls a long chart, on a canvas
    assert [c["id"] for c in charts["charts"]] == ["grade-chart", "flow-chart"]


def test_html_is_for_runs_that_place_students_and_out_for_html(demo, tmp_path):
    engine, db_url, run_id = demo
    check = rollover(db_url, "check", "--year", "2027", "--json")
    check_id = json.loads(check.stdout)["run_id"]
    result = rollover(db_url, "report", check_id, "--format", "html")
    assert result.returncode == 2 and "--format html is for roll forward runs" in result.stderr
    result = rollover(db_url, "report", run_id, "--format", "csv", "--out",
                      str(tmp_path / "run.csv"))
    assert result.returncode == 2 and "is for --format html" in result.stderr
    missing = tmp_path / "no such folder" / "report.html"
    result = rollover(db_url, "report", run_id, "--format", "html", "--out", str(missing))
    assert result.returncode == 2 and str(missing) in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "run.csv").exists()


def test_without_a_projection_the_report_says_why_and_draws_nothing():
    record = RunRecord("forward-20270101T000000-abcdef", "forward", "test", None,
                       dt.datetime(2027, 1, 1), None, "completed", {}, {})
    summary = {"run_id": record.run_id, "mode": "test",
               "totals": {"rolled": 0, "not_rolled": 0, "warnings": 0},
               "warnings_by_code": [], "schools": [], "projected_year": None}
    text = run_html(record, summary, None, projection_refused="no calendars of school year 2028")
    page = Document(text)
    assert "No projection: no calendars of school year 2028." in text
    assert page.scripts == [] and "grade-chart" not in text
    assert "No warnings." in text and "The run decided no enrollment." in text
