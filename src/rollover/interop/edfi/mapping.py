"""Ed-Fi records to bundle rows, whole (docs/interop.md, section 1, "Mapping"); pure: no file,
no database.

    mapped = map_records(records, grade_map=None)
    mapped.rows["students.csv"]      the rows, in the columns' order of bundle/format.py
    mapped.sources["students.csv"]   the element each row came from (read.Where), row for row
    mapped.problems, mapped.warnings  every one found, each at its element

    map_records(records, grade_map, out)  the rows given to `out` (a MappedBundle that may write
                                          them away as they come)
"""

from __future__ import annotations

from .context import Context, MappedBundle
from .grades import GradeMap
from .people import People
from .places import Places
from .read import Records


def map_records(records: Records, grade_map: GradeMap | None = None,
                out: MappedBundle | None = None) -> MappedBundle:
    """The bundle of the records (given to `out`, else to a new MappedBundle); `grade_map`
    replaces the default map (grades.default_map of the grade levels the import's schools and
    calendars offer)."""
    context = Context(records, out)
    places = Places(context, grade_map)
    people = People(context, places)
    places.map_schools()
    places.map_calendars()
    people.map_students()
    people.map_enrollments()
    people.map_households()
    people.map_start_statuses()
    places.map_feeders(people.current_year)
    places.add_schools_and_district(people.current_year)
    return context.out
