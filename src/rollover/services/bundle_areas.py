"""The bundle's optional `boundary_areas.geojson` (bundle/format.py AREAS_FILE): the stored
attendance areas as a GeoJSON FeatureCollection, written by `rollover export` and read by every
`rollover import` (plain, --replace, --sync) inside the import's own unit of work, so that its
undo covers the areas too (docs/attendance-areas.md, "Areas in the bundle").

An area has no id: the key of its feature is its school, program and grade codes.
- a plain import adds the areas; a key the store already holds is refused (as a stored id is);
- `--replace`: the file's areas replace the stored areas of the keys it holds, the others kept;
- `--sync`: the stored areas become the file's (an area equal to a stored one in every column
  keeps its stored key).

Its problems are a bundle's (`boundary_areas.geojson: features[3] (school_id 'HSA'): …`).  What
needs no store (the JSON, the geometries, the properties) is checked with the CSV files; the
references (school, program, grade codes) once those files are loaded, against the district as
the import leaves it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from ..bundle.format import AREAS_FILE, BundleFile, BundleProblem
from ..bundle.reader import BundleFileReader
from ..bundle.values import format_cell, shown, text_problem
from ..domain.area_grades import GradeSpanError, grade_sequences, span_sequences
from ..interop.geojson import Feature, feature_collection_text, read_feature_collection
from ..store import boundary_areas as stored
from ..store.bundle_sync import unmatched
from .areas_import import AreaFacts

PROPERTIES = AREAS_FILE.column_names
NAMED_BY = "school_id"  # the property a problem names a feature by


@dataclass
class BundleAreas:
    """The file's features, each as its property values (None: a feature with a problem)."""

    features: list[Feature] = field(default_factory=list)
    values: list[tuple | None] = field(default_factory=list)  # PROPERTIES order
    problems: list[BundleProblem] = field(default_factory=list)


@dataclass
class LoadedAreas:
    inserted: int
    deleted: list[tuple]  # the stored areas deleted, whole


def read_bundle_areas(folder: Path) -> BundleAreas | None:
    """The folder's areas file checked on its own (None: the bundle has none)."""
    path = folder / AREAS_FILE.name
    if not path.exists():
        return None
    areas = BundleAreas()
    try:
        collection = read_feature_collection(path.read_bytes())
    except OSError as bad:
        areas.problems.append(_problem(f"cannot read it ({bad.strerror or bad})"))
        return areas
    areas.problems += [_problem(problem) for problem in collection.problems]
    for feature in collection.features:
        problems = [*feature.problems, *_property_problems(feature.properties)]
        areas.problems += [_problem(problem, feature) for problem in problems]
        areas.features.append(feature)
        areas.values.append(None if problems else tuple(
            feature.properties.get(name) or None for name in PROPERTIES))
    return areas


def _problem(message: str, feature: Feature | None = None) -> BundleProblem:
    """A problem of the file, or of one of its features (named by its place and school)."""
    if feature is None:
        return BundleProblem(AREAS_FILE.name, None, None, message, sort_key=(-1,))
    return BundleProblem(AREAS_FILE.name, None, None, f"{feature.label(NAMED_BY)}: {message}",
                         sort_key=(feature.index,))


def in_order(problems: list[BundleProblem]) -> list[BundleProblem]:
    """The file's problems first, then each feature's, in the file's order."""
    return sorted(problems, key=lambda problem: problem.sort_key)


def _property_problems(properties: dict) -> list[str]:
    problems = [f"unknown property {name!r} (expected: {', '.join(PROPERTIES)})"
                for name in properties if name not in PROPERTIES]
    for column in AREAS_FILE.columns:
        value = properties.get(column.name)
        if value is None or value == "":
            if column.required:
                problems.append(f"no property {column.name!r}")
        elif not isinstance(value, str):
            problems.append(f"{column.name}: {value!r:.40} is not text (write it in quotes)")
        elif problem := text_problem(value, column.kind):
            problems.append(f"{column.name}: {problem}")
    return problems


def checked_area_rows(conn: Connection, folder: Path, areas: BundleAreas,
                      present: list[BundleFile], *, synced: bool = False,
                      adding: bool = False) -> tuple[list[tuple], list[BundleProblem]]:
    """The file's areas as new rows (stored.NEW_COLUMNS order), their references checked
    against the district as the import leaves it: the bundle's files, and the stored rows of
    the tables the import keeps (a sync keeps none of the tables whose files it holds).
    `adding`: a key the store holds already is a problem.  The problems: the file's own and
    these, in the file's order."""
    facts = _facts_after(conn, folder, present, synced)
    held = {_key(row[1:]) for row in stored.stored_areas(conn)} if adding else set()
    rows, problems = [], []
    for feature, values in zip(areas.features, areas.values):
        if values is None:
            continue
        school, program, name, low, high = values
        found = []
        if school not in facts.schools:
            found.append(f"school_id {shown(school)} does not exist in schools.school_id")
        if program is not None and program not in facts.programs:
            found.append(f"program_id {shown(program)} does not exist in programs.program_id")
        try:
            span = span_sequences(low, high, facts.sequences)
        except GradeSpanError as bad:
            found.append(f"low_grade + high_grade: {bad}")
        if not found and _key(values) in held:
            found.append(f"the store holds areas of school_id {shown(school)}, program_id "
                         f"{shown(program or '')}, grades {low}-{high} already (import with "
                         "--replace to replace them)")
        problems += [_problem(problem, feature) for problem in found]
        if not found:
            rows.append((school, program, name, low, high, *span, feature.geometry))
    return rows, in_order(areas.problems + problems)


def _key(values: tuple) -> tuple:
    """An area's key (school, program, low and high grade) from its row without the key
    column, or from its property values."""
    school, program, _name, low, high = values[:5]
    return school, program, low, high


def _facts_after(conn: Connection, folder: Path, present: list[BundleFile],
                 synced: bool) -> AreaFacts:
    files = {spec.table: spec for spec in present}
    store = AreaFacts.of_store(conn)

    def rows_of(table: str) -> list[tuple]:
        spec = files.get(table)
        return [] if spec is None else list(BundleFileReader(folder / spec.name, spec).rows())

    def kept(table: str) -> bool:
        return not (synced and table in files)

    levels = [(row[2], row[3]) for row in rows_of("grade_levels")]
    sequences = grade_sequences(levels)
    if kept("grade_levels"):
        for code, found in store.sequences.items():
            sequences.setdefault(code, set()).update(found)
    return AreaFacts(
        {row[0] for row in rows_of("schools")} | (store.schools if kept("schools") else set()),
        {row[0] for row in rows_of("programs")} | (store.programs if kept("programs")
                                                    else set()),
        sequences)


def load_area_rows(conn: Connection, change, rows: list[tuple], *, replace: bool = False,
                   sync: bool = False, draw_keys: bool = True) -> LoadedAreas:
    """Write the file's areas through `change` (the unit of work's), as the import's mode
    says (see the module's docstring)."""
    current = stored.stored_areas(conn)
    if sync:  # a stored area equal to one of the file's stays, with its key
        rows, gone = unmatched(current, rows)
    elif replace:  # the areas of a key the file holds; a key's areas as they were, untouched
        given: dict[tuple, list[tuple]] = {}
        for row in rows:
            given.setdefault(_key(row), []).append(row)
        held: dict[tuple, list[tuple]] = {}
        for row in current:
            if _key(row[1:]) in given:
                held.setdefault(_key(row[1:]), []).append(row)
        same = {key for key, found in held.items()
                if Counter(row[1:] for row in found) == Counter(given[key])}
        gone = [row for key, found in held.items() if key not in same for row in found]
        gone.sort(key=lambda row: row[0])
        rows = [row for row in rows if _key(row) not in same]
    else:
        gone = []
    for step in stored.replacing_steps(conn, gone, rows, draw_keys=draw_keys):
        change(step)
    return LoadedAreas(len(rows), gone)


def deleted_keys(rows: list[tuple]) -> list[tuple[str, ...]]:
    """The keys of deleted areas, as a bundle's messages show them."""
    return [tuple(format_cell(v) for v in _key(row[1:])) for row in rows]


def write_bundle_areas(conn: Connection, folder: Path) -> int:
    """Write the stored areas (area_key order) as the bundle's areas file, when there are
    any; how many."""
    rows = stored.stored_areas(conn)
    if rows:
        (folder / AREAS_FILE.name).write_text(feature_collection_text(
            (dict(zip(PROPERTIES, _properties(row))), row[-1]) for row in rows),
            encoding="utf-8", newline="")
    return len(rows)


def _properties(row: tuple) -> tuple:
    _area_key, school, program, name, low, high, *_rest = row
    return school, program, name, low, high
