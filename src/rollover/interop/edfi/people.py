"""Ed-Fi's people as bundle rows (docs/interop.md, section 1): students, their enrollments from
the StudentSchoolAssociations (next year's fields among them), households from the contacts they
live with, and the local start statuses of the EntryType codes."""

from __future__ import annotations

from collections import defaultdict

from .context import Context, Seen, year_end
from .households import Households
from .places import BundleCalendar, Places
from .read import GraduationPlan, Student, Where

ENTRY_TYPE = "EntryTypeDescriptor"


class People:
    def __init__(self, context: Context, places: Places):
        self.c = context
        self.places = places
        # The imported students by StudentUniqueId, each with where it was: what a reference to
        # one and a duplicate need, never the record (a state has a million).
        self.students = Seen()
        self.current_year: int | None = None
        self._used_entry_types: dict[str, Where] = {}
        self._plans_known = False

    def student(self, ref) -> str | None:
        """The StudentUniqueId of the student a reference names; None, with a problem, when it
        names none of the imported students."""
        shown = f"StudentUniqueId {ref.key[0]!r}" if ref is not None and ref.key else ""
        return self.c.resolve(ref, _ByIdentity(self.students), Student, shown)

    # -- students -------------------------------------------------------------------------------
    def map_students(self) -> None:
        # Students are not indexed by `id`: a `ref` names an element of its own file, and no
        # interchange holds both a Student and a reference to one.
        for student in self.c.records.students:
            if self.c.duplicate(self.students, student.unique_id, student.where,
                                f"Student with StudentUniqueId {student.unique_id!r}"):
                continue
            self.c.out.add("students.csv", student.where, student_id=f"S{student.unique_id}",
                           student_number=student.unique_id, last_name=student.last_name,
                           first_name=student.first_name,
                           birth_date=self.c.date(student.birth_date, student.where))

    # -- enrollments ----------------------------------------------------------------------------
    def map_enrollments(self) -> None:
        # The rows wait in the spool (a state's million need not fit in memory) until every
        # association is read and each student's are numbered; kept here: a number per student
        # and year, and the keys of the duplicate check.
        mapped, seen, per_student_year = self.c.out.spool(), Seen(), {}
        latest = None
        for ssa in self.c.records.enrollments:
            row = self._enrollment(ssa, seen)
            if row is not None:
                mapped.append(row)
                key = _student_year(row)
                per_student_year[key] = per_student_year.get(key, 0) + 1
                latest = row["_yyyy"] if latest is None else max(latest, row["_yyyy"])
        # The district's current year: the latest of the associations (none: of the calendars).
        self.current_year = latest if latest is not None else max(
            (b.yyyy for b in self.places.calendars), default=None)
        numbers = self._numbers(mapped, per_student_year)
        del seen, per_student_year
        for index, row in enumerate(mapped):
            where = row.pop("_where")
            n = numbers.get(index, 1)
            row["enrollment_id"] = f"E{row['_yyyy']}-{row['_unique_id']}" + (
                f"-{n}" if n > 1 else "")
            for key in ("_yyyy", "_order", "_unique_id"):
                row.pop(key)
            self.c.out.add("enrollments.csv", where, **row)

    def _enrollment(self, ssa, seen: dict) -> dict | None:
        c, places = self.c, self.places
        student = self.student(ssa.student)
        school = places.school(ssa.school)
        entry = c.date(ssa.entry_date, ssa.where)
        exit_date = c.date(ssa.exit_date, ssa.where)
        calendar = self._calendar(ssa, school, entry)
        grade = places.grade(ssa.grade)
        next_grade = places.grade(ssa.next_grade) if ssa.next_grade is not None else None
        exit_type = c.descriptor(ssa.exit_type, "ExitWithdrawTypeDescriptor")
        entry_type = c.descriptor(ssa.entry_type, ENTRY_TYPE)
        cohort = self._cohort(ssa)
        next_school = places.school(ssa.next_school)
        if student is None or school is None or calendar is None or grade is None or \
                entry is None:
            return None
        if grade.grade not in calendar.grades:
            c.problem(ssa.grade.where, f"grade {grade.grade!r} ({ssa.grade.text}) is not "
                                       f"offered by calendar {calendar.calendar_id!r}")
            return None
        # The key (student, school, EntryDate) as one string, smaller than a tuple of three.
        if c.duplicate(seen, f"{id(school)} {entry.isoformat()} {student}", ssa.where,
                       f"StudentSchoolAssociation of student {student!r} at school "
                       f"{places.school_id(school)!r} entering {entry}"):
            return None
        if entry_type is not None:
            self._used_entry_types.setdefault(entry_type, ssa.entry_type.where)
        yyyy = year_end(ssa.year.text) if ssa.year is not None else calendar.yyyy
        s, n = grade.sequence, next_grade.sequence if next_grade else None
        row = {"student_id": f"S{student}", "calendar_id": calendar.calendar_id,
               "structure_id": calendar.structure_id, "grade": grade.grade,
               "service_type": "partial" if ssa.primary in ("false", "0") else "primary",
               "start_date": entry, "end_date": exit_date, "end_status": exit_type,
               "end_action": "retain" if n == s else "demote" if n == s - 1 else None,
               "local_start_status": entry_type, "graduation_cohort": cohort,
               "_where": ssa.where, "_yyyy": yyyy, "_unique_id": student,
               "_order": (entry, _school_order(school.school_id))}
        moves = next_school is not None and next_school is not school
        if moves or (n is not None and n not in (s - 1, s, s + 1)):
            self._place_next_year(row, ssa, next_school or school, yyyy + 1, next_grade)
        return row

    def _calendar(self, ssa, school, entry) -> BundleCalendar | None:
        """The calendar of its CalendarReference, else its school's one calendar of its
        SchoolYear (without one: whose dates hold its EntryDate)."""
        c, places = self.c, self.places
        if ssa.calendar is not None:
            calendar = places.calendar(ssa.calendar)
            if calendar is not None and ssa.year is not None and ssa.year.text != calendar.year:
                c.problem(ssa.year.where, f"SchoolYear {ssa.year.text} differs from its "
                                          f"CalendarReference's, {calendar.year} (calendar "
                                          f"{calendar.calendar_id!r})")
                return None
            return calendar
        if school is None or (ssa.year is None and entry is None):
            return None
        school_id = places.school_id(school)
        if ssa.year is not None:
            found = places.by_school_year.get((id(school), year_end(ssa.year.text)), [])
            what = f"in {ssa.year.text}"
        else:
            found = [b for b in places.calendars if b.school is school
                     and b.start <= entry <= b.end]
            what = f"holding its EntryDate {entry}"
        if len(found) == 1:
            return found[0]
        if not found:
            c.problem(ssa.where, f"no calendar of school {school_id!r} {what} in the import")
        else:
            c.problem(ssa.where, f"{len(found)} calendars of school {school_id!r} {what} ("
                                 f"{', '.join(repr(b.calendar_id) for b in found)}): a "
                                 "CalendarReference must say which")
        return None

    def _cohort(self, ssa) -> int | None:
        if ssa.class_of:
            return year_end(ssa.class_of)
        ref = ssa.graduation_plan
        if ref is None:
            return None
        if ref.key is not None and not ref.problem:
            return year_end(ref.year) if ref.year else None
        if not self._plans_known:  # read only when a `ref` names one (they may come after it)
            self.c.index_ids(self.c.records.graduation_plans)
            self._plans_known = True
        plan = self.c.resolve(ref, {}, GraduationPlan)
        return year_end(plan.year) if plan is not None and plan.year else None

    def _place_next_year(self, row: dict, ssa, school, yyyy: int, next_grade) -> None:
        found = self.places.by_school_year.get((id(school), yyyy), [])
        if len(found) == 1:
            row.update(next_calendar_id=found[0].calendar_id,
                       next_structure_id=found[0].structure_id,
                       next_grade=next_grade.grade if next_grade else None)
            return
        count = f"{len(found)} calendars" if found else "no calendar"
        self.c.warning(ssa.where, "NEXT_YEAR_UNPLACED",
                       f"student {row['student_id'][1:]!r} goes to school "
                       f"{self.places.school_id(school)!r}"
                       + (f" in grade {next_grade.grade!r}" if next_grade else "")
                       + f" next year, but the import has {count} of that school in "
                       f"{yyyy - 1}-{yyyy}: next_calendar_id is left empty")

    @staticmethod
    def _numbers(mapped, per_student_year: dict[str, int]) -> dict[int, int]:
        """Enrollment ids are `E{YYYY}-{StudentUniqueId}`, the student's further ones that year
        `-2`, `-3` ... in (EntryDate, SchoolId) order: the number of each row (by its place in
        `mapped`) of a student with several that year; the others are 1."""
        groups = defaultdict(list)
        for index, row in enumerate(mapped):
            key = _student_year(row)
            if per_student_year[key] > 1:
                groups[key].append((row["_order"], index))
        numbers = {}
        for rows in groups.values():
            rows.sort(key=lambda order_index: order_index[0])
            for n, (_order, index) in enumerate(rows, start=1):
                numbers[index] = n
        return numbers

    # -- households ---------------------------------------------------------------------------
    def map_households(self) -> None:
        Households(self.c, self.students.__contains__, self.student).map()

    # -- local start statuses -------------------------------------------------------------------
    def map_start_statuses(self) -> None:
        """One per EntryType code the Descriptors files define or an association uses."""
        statuses: dict[str, tuple[str, Where]] = {}
        for d in self.c.records.descriptors:
            if d.kind == ENTRY_TYPE:
                statuses.setdefault(d.code, (d.short or d.code, d.where))
        for code, where in self._used_entry_types.items():
            statuses.setdefault(code, (code, where))
        for code, (name, where) in statuses.items():
            self.c.out.add("local_start_statuses.csv", where, code=code, name=name,
                           is_default=False, active=True)


class _ByIdentity:
    """The imported students as `Context.resolve` looks them up: by a StudentIdentity's key
    `(StudentUniqueId,)`, giving the StudentUniqueId."""

    def __init__(self, students: Seen):
        self.students = students

    def get(self, key: tuple) -> str | None:
        return key[0] if key[0] in self.students else None


def _student_year(row: dict) -> str:
    """(year, StudentUniqueId) as one string, smaller than a tuple: the year is digits."""
    return f"{row['_yyyy']} {row['_unique_id']}"


def _school_order(school_id: str):
    try:
        return (0, int(school_id), school_id)
    except ValueError:
        return (1, 0, school_id)
