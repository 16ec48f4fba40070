"""The project's docs stand alone: a clone holds everything they point to.

No file names a folder beside the project; every relative link of README.md and docs/*.md leads
to a file of the project; docs/rules.md restates every rule (RF-1..RF-26, YE-1..YE-20) with the
code and the tests that carry it; docs/bundle.md documents every file and column of
`rollover.bundle.format.FILES` as format.py declares it.  Pure file reading, no database.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rollover.bundle.format import BOOL, DATE, DECIMAL, ENUM, FILES, ID, INT, TEXT, BundleFile

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RULES = DOCS / "rules.md"
BUNDLE = DOCS / "bundle.md"
SCANNED = ("README.md", "pyproject.toml", "docs", "src", "tests", "bench")
TEXT_SUFFIXES = {".md", ".py", ".toml", ".cfg", ".ini", ".txt", ".csv", ".json", ".sql"}
# Spelled in pieces so that this file does not name them itself.
OUTSIDE = ("../" + "shared", "shared/" + "spec", "../" + "seeds")
RULE_IDS = [f"RF-{n}" for n in range(1, 27)] + [f"YE-{n}" for n in range(1, 21)]
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PROJECT_PATH = re.compile(r"(?<![\w/.-])((?:src|tests|docs|bench)/[\w./-]*\w)")


def project_files() -> list[Path]:
    found = []
    for name in SCANNED:
        path = ROOT / name
        found += [path] if path.is_file() else sorted(
            p for p in path.rglob("*")
            if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts)
    return found


def markdown_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def inside_project(path: Path) -> bool:
    return path.resolve().is_relative_to(ROOT)


def section(page: str, heading: str) -> str:
    """The text under `heading` (a whole heading line) up to the next heading of its level or
    above."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = page.splitlines()
    assert heading in lines, f"no heading {heading!r}"
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines))
                if re.match(rf"#{{1,{level}}} ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


# -- nothing outside the project ----------------------------------------------------------------
def test_no_file_names_a_folder_beside_the_project():
    outside_roots = [str(ROOT.parent) + "/"] if ROOT.parent != ROOT.parent.parent else []
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in project_files()
             for n, line in enumerate(text(p).splitlines(), 1)
             if any(word in line for word in (*OUTSIDE, *outside_roots))]
    assert not found, "\n".join(found)


def test_every_relative_link_leads_to_a_file_of_the_project():
    broken = []
    for page in markdown_pages():
        for target in LINK.findall(text(page)):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a web address, mail address or an anchor of the page itself
            path = page.parent / target.split("#")[0]
            if not (inside_project(path) and path.exists()):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "\n".join(broken)


def test_no_page_names_a_path_that_climbs_out_of_the_project():
    climbing = [f"{page.relative_to(ROOT)}: {span}"
                for page in markdown_pages()
                for span in CODE_SPAN.findall(text(page))
                if span.startswith("../") and not inside_project(page.parent / span)]
    assert not climbing, "\n".join(climbing)


# -- docs/rules.md ------------------------------------------------------------------------------
def rule_mentioned(rule: str, source: str, *, in_test_names: bool = False) -> bool:
    prefix, number = rule.split("-")
    if in_test_names:  # test_rf8_..., RF-8, rf16a
        return re.search(rf"(?i)(?<![a-z]){prefix}-?{number}(?![0-9])", source) is not None
    return re.search(rf"{prefix}-{number}(?![0-9])", source) is not None


def test_rules_page_exists():
    assert RULES.is_file(), "docs/rules.md is missing"


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_is_restated_with_its_code_and_tests(rule):
    page = text(RULES) if RULES.is_file() else ""
    headings = [ln for ln in page.splitlines() if re.match(rf"### {rule}(?![0-9])", ln)]
    assert len(headings) == 1, f"{rule}: expected one heading '### {rule} …', found {headings}"
    body = section(page, headings[0])
    paths = PROJECT_PATH.findall(body)
    code = [p for p in paths if p.startswith("src/")]
    tests = [p for p in paths if p.startswith("tests/")]
    assert code, f"{rule} names no file of src/"
    assert tests, f"{rule} names no test file"
    for path in code:
        assert rule_mentioned(rule, text(ROOT / path)), f"{rule}: {path} does not name {rule}"
    for path in tests:
        assert rule_mentioned(rule, text(ROOT / path), in_test_names=True), \
            f"{rule}: {path} names no test of {rule}"


def test_every_path_the_rules_page_names_exists():
    page = text(RULES) if RULES.is_file() else ""
    missing = [p for p in PROJECT_PATH.findall(page) if not (ROOT / p).exists()]
    missing += [span for span in CODE_SPAN.findall(page)
                if span.endswith((".py", ".md")) and "/" in span and not (ROOT / span).exists()]
    assert page and not missing, missing


# -- docs/bundle.md -----------------------------------------------------------------------------
TYPE_WORDS = {ID: ("id", "code"), TEXT: ("text",), DATE: ("date",), BOOL: ("boolean",),
              INT: ("whole number",), DECIMAL: ("decimal number",), ENUM: ("one of",)}


def column_rows(body: str) -> dict[str, list[str]]:
    """The table rows of a file's section: column name -> its cells (type, required, meaning)."""
    rows = {}
    for line in body.splitlines():
        found = re.match(r"\| `(\w+)` \|(.*)\|\s*$", line)
        if found:
            rows[found.group(1)] = [cell.strip() for cell in found.group(2).split(" | ")]
    return rows


@pytest.mark.parametrize("bundle_file", FILES, ids=lambda f: f.name)
def test_the_bundle_page_documents_every_file_and_column(bundle_file: BundleFile):
    page = text(BUNDLE)
    body = section(page, f"### `{bundle_file.name}`")
    assert ("Optional file" in body) == bundle_file.optional, \
        f"{bundle_file.name}: say 'Optional file' exactly when it may be absent"
    if bundle_file.single_row:
        assert "One row" in body, bundle_file.name
    if bundle_file.key:
        [key_line] = [ln for ln in body.splitlines() if ln.startswith("Key:")]
        assert all(f"`{c}`" in key_line for c in bundle_file.key), key_line
    for unique in bundle_file.unique:
        assert any(ln.startswith("Unique:") and all(f"`{c}`" in ln for c in unique)
                   for ln in body.splitlines()), f"{bundle_file.name}: unique {unique}"

    rows = column_rows(body)
    assert list(rows) == list(bundle_file.column_names), \
        f"{bundle_file.name}: document its columns in the order of format.py"
    for column in bundle_file.columns:
        kind, required, meaning = rows[column.name][:3]
        where = f"{bundle_file.name} {column.name}"
        assert kind.startswith(TYPE_WORDS[column.kind]), f"{where}: type {kind!r}"
        assert all(f"`{choice}`" in kind for choice in column.choices), where
        if column.references:
            assert f"`{column.references}`" in kind, f"{where}: name {column.references}"
        assert required.startswith("yes" if column.required else "no"), f"{where}: {required!r}"
        assert ("may be left out" in required) == column.optional_column, where
        assert meaning, f"{where}: say what it means"


def test_the_bundle_page_names_no_file_format_py_lacks():
    named = re.findall(r"^### `([\w.]+\.csv)`", text(BUNDLE), re.M)
    assert sorted(named) == sorted(f.name for f in FILES)
