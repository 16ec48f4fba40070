"""`rollover boundaries import FILE.geojson` and `rollover boundaries list`: attendance areas
drawn as polygons, from a GIS tool's GeoJSON export into `boundary_areas` (docs/attendance-
areas.md, "Importing areas").

Each feature becomes one area: of the school its naming property names (a school id, or a name
the map file gives a school id), for one span of grades, a school's own area or a program's.
The file is checked whole first (every problem named, with the feature's place in the file and
its name, or the map file's line); nothing is written on a refusal.  The new areas replace the
stored areas of the same kind (the schools', or that program's) whose grades overlap theirs, so
importing the elementary areas again replaces them.  The import is a run of kind `areas` through
the unit of work: `rollover undo RUN_ID` puts the areas back as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from ..bundle.values import shown, text_problem
from ..domain.area_grades import (
    GradeSpanError, grade_sequences, overlap, span_sequences, split_span,
)
from ..errors import RolloverError
from ..interop.school_names import read_area_map
from ..interop.geojson import Feature, read_feature_collection, vertex_count
from ..progress import Progress, Tally, no_progress
from ..store import boundary_areas as stored
from ..store.database import reading
from .exceptions import READING_THE_FILE
from .unit_of_work import operation, unit_of_work

# YE-2: district data come in with the `import` right, holding the district's write lock.  A
# load from a file, as an import is, not a user's change (YE-3).
AREAS_IMPORT = operation("areas", "attendance areas import", "import", side_effects=False)
KINDS = ("school", "program")


class AreasRefused(RolloverError):
    """A file of areas (or its map) that cannot be imported; every problem, nothing written."""

    def __init__(self, problems: list[str]):
        many = "s" if len(problems) != 1 else ""
        super().__init__(f"areas import refused: {len(problems)} problem{many}; nothing was "
                         "written", problems)


@dataclass(frozen=True)
class AreaFacts:
    """What areas are checked against: the district's schools, programs and grade codes."""

    schools: set[str]
    programs: set[str]
    sequences: dict[str, set[int]]  # grade code -> its sequences in the grade levels

    @classmethod
    def of_store(cls, conn: Connection) -> AreaFacts:
        return cls(stored.school_ids(conn), stored.program_ids(conn),
                   grade_sequences(stored.grade_levels_of(conn)))


@dataclass(frozen=True)
class ImportedArea:
    school_id: str
    name: str  # the value of the naming property
    vertices: int


@dataclass(frozen=True)
class AreasImport:
    run_id: str
    file: str
    program_id: str | None  # None: the schools' own areas
    low_grade: str
    high_grade: str
    areas: tuple[ImportedArea, ...]
    replaced: int  # stored areas deleted

    def per_school(self) -> list[tuple[str, int, int]]:
        """(school id, areas, vertices) by school id."""
        counted: dict[str, list[int]] = {}
        for area in self.areas:
            count = counted.setdefault(area.school_id, [0, 0])
            count[0] += 1
            count[1] += area.vertices
        return [(school, *counted[school]) for school in sorted(counted)]

    def as_json(self) -> dict:
        return {"run_id": self.run_id, "file": self.file, "program_id": self.program_id,
                "grades": [self.low_grade, self.high_grade], "replaced": self.replaced,
                "areas": [{"school_id": a.school_id, "name": a.name, "vertices": a.vertices}
                          for a in self.areas]}


def import_areas(engine: Engine, file: Path | str, *, school_property: str, grades: str,
                 map_file: Path | str | None = None, kind: str = "school",
                 program: str | None = None, user: str | None = None,
                 progress: Progress = no_progress) -> AreasImport:
    """Import the areas of a GeoJSON FeatureCollection (see the module's docstring); refuses
    (AreasRefused, RolloverError) with nothing written.  Progress: "reading the file" (read,
    then parsed), "checking the areas" (in features), "writing", "committing"."""
    low, high = _options(school_property, grades, kind, program)
    options = {"file": str(file), "school_property": school_property, "grades": grades,
               "map": None if map_file is None else str(map_file), "kind": kind,
               "program": program}
    with unit_of_work(engine, AREAS_IMPORT, user=user, options=options,
                      progress=progress) as work:
        conn = work.conn
        facts = AreaFacts.of_store(conn)
        problems: list[str] = []
        if program is not None and program not in facts.programs:
            problems.append(f"--program {shown(program)}: no such program in the district")
        try:
            span = span_sequences(low, high, facts.sequences)
        except GradeSpanError as bad:
            problems.append(f"--grades {grades}: {bad}")
        names = _read_map(map_file, facts, problems) if map_file is not None else None
        file_read = Tally(progress, READING_THE_FILE, 2).start()
        data = _read(file, problems)
        if data is None:
            raise AreasRefused(problems)
        file_read.add(1)
        collection = read_feature_collection(data)
        file_read.finish()
        problems += [f"{file}: {problem}" for problem in collection.problems]
        if not collection.problems and not collection.features:
            problems.append(f"{file}: it holds no features")
        checking = Tally(progress, "checking the areas", len(collection.features), every=1)
        schools = [_school_of(feature, school_property, names, facts, map_file, problems, file)
                   for feature in checking.start().rows(collection.features)]
        if problems:
            raise AreasRefused(problems)
        new = [(school, program, str(feature.properties[school_property]), low, high, *span,
                feature.geometry) for school, feature in zip(schools, collection.features)]
        gone = [row for row in stored.stored_areas(conn)
                if row[2] == program and overlap((row[6], row[7]), span)]
        steps = stored.replacing_steps(conn, gone, new)
        work.expect(steps)
        for step in steps:
            work.change(step)
        result = AreasImport(work.run_id, str(file), program, low, high, tuple(
            ImportedArea(row[0], row[2], feature.vertices)
            for row, feature in zip(new, collection.features)), len(gone))
        work.finish(counts={"areas": len(new), "replaced": len(gone)},
                    report=result.as_json())
    return result


def _options(school_property: str, grades: str, kind: str, program: str | None
             ) -> tuple[str, str]:
    if kind not in KINDS:
        raise RolloverError(f"--kind {kind!r}: one of {', '.join(KINDS)}")
    if kind == "program" and program is None:
        raise RolloverError("--kind program: give the program (--program ID)")
    if kind == "school" and program is not None:
        raise RolloverError("--program goes with --kind program (a program's areas)")
    if not school_property:
        raise RolloverError("--school-property: give the name of the property naming the "
                            "school")
    try:
        return split_span(grades)
    except GradeSpanError as bad:
        raise RolloverError(f"--grades: {bad}") from None


def _read(file: Path | str, problems: list[str]) -> bytes | None:
    """The file's bytes, or None with its problem added to `problems`."""
    try:
        return Path(file).read_bytes()
    except FileNotFoundError:
        problems.append(f"{file}: no such file")
    except OSError as bad:
        problems.append(f"{file}: cannot read it ({bad.strerror or bad})")
    return None


def _read_map(map_file: Path | str, facts: AreaFacts, problems: list[str]) -> dict[str, str]:
    """The map's names -> school ids; its problems (a school id the district lacks among
    them) added to `problems`, each at its line."""
    data = _read(map_file, problems)
    if data is None:
        return {}
    found = read_area_map(data)
    found.problems += [(found.lines[name], f"school_id {shown(school)} is no school of the "
                                           "district")
                       for name, school in found.schools.items() if school not in facts.schools]
    for line, problem in sorted(found.problems, key=lambda p: p[0] or 0):
        problems.append(f"{map_file}:{line}: {problem}" if line else f"{map_file}: {problem}")
    return found.schools


def _school_of(feature: Feature, name_property: str, names: dict[str, str] | None,
               facts: AreaFacts, map_file, problems: list[str], file) -> str | None:
    """The school the feature's naming property names; its problems added to `problems`."""
    where = f"{file}: {feature.label(name_property)}"
    problems.extend(f"{where}: {problem}" for problem in feature.problems)
    value = feature.properties.get(name_property)
    if value is None or value == "":
        others = ", ".join(sorted(feature.properties)[:10]) or "none"
        problems.append(f"{where}: no property {name_property!r} (its properties: {others})")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        problems.append(f"{where}: property {name_property!r} is {type(value).__name__} "
                        f"{value!r:.40}, not a name")
        return None
    value = str(value)
    problem = text_problem(value, "text")
    if problem:
        problems.append(f"{where}: {name_property}: {problem}")
        return None
    if names is not None and value in names:
        return names[value]  # a school the district lacks is named at its map line
    if value in facts.schools:
        return value
    problems.append(f"{where}: {shown(value)} is no school id of the district" + (
        f" nor a name in {map_file}" if names is not None
        else " (give --map FILE.csv to map names to school ids)"))
    return None


@dataclass(frozen=True)
class StoredArea:
    area_key: int
    school_id: str
    program_id: str | None
    name: str
    low_grade: str
    high_grade: str
    vertices: int


def list_areas(engine: Engine) -> list[StoredArea]:
    """Every stored area by school, program (a school's own first) and grades."""
    with reading(engine) as conn:
        rows = stored.area_listing(conn)
    return [StoredArea(r["area_key"], r["school_id"], r["program_id"], r["name"],
                       r["low_grade"], r["high_grade"], vertex_count(r["geometry"]))
            for r in rows]
