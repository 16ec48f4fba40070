"""Ed-Fi's places as bundle rows (docs/interop.md, section 1, "Mapping"): the district, schools
and their feeders, calendars from `Calendar` and `Session`, one `Main` structure each, terms,
days, grade levels by the grade map, grading periods."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .context import Context, first_seen, slug, year_end
from .grades import GradeMap, default_map
from .read import Calendar, School, Value, Where, identity_key

INSTRUCTIONAL = {"Instructional day", "Make-up day", "Student late arrival/early dismissal"}
TERM_SCHEDULES = (("semester", "Semesters"), ("trimester", "Trimesters"),
                  ("quarter", "Quarters"))
GRADE_LEVEL = "GradeLevelDescriptor"


@dataclass
class BundleCalendar:
    calendar_id: str
    school: School
    year: str  # the SchoolYear, `2021-2022`
    where: Where
    record: Calendar | None  # None: made from a school's sessions
    start: dt.date | None = None
    end: dt.date | None = None
    grades: dict[str, object] = field(default_factory=dict)  # grade -> grades.Grade

    @property
    def yyyy(self) -> int:
        return year_end(self.year)

    @property
    def structure_id(self) -> str:
        return f"{self.calendar_id}-MAIN"


class Places:
    """Maps the places; what people.py needs of them stays here (schools, calendars, grades)."""

    def __init__(self, context: Context, grade_map: GradeMap | None):
        self.c = context
        self.given_map = grade_map
        self.grade_map: GradeMap | None = None
        self.schools: dict[tuple, School] = {}  # (SchoolId,) -> School
        self.schools_by_object: dict[int, School] = {}
        self.school_ids: dict[int, str] = {}  # id(School) -> its bundle school_id
        self.school_codes: dict[int, list[tuple[Value, str]]] = {}  # id(School) -> grade codes
        self.calendars: list[BundleCalendar] = []
        self.by_school_year: dict[tuple[int, int], list[BundleCalendar]] = defaultdict(list)
        self.of_record: dict[int, BundleCalendar] = {}  # id(Calendar) -> its bundle calendar
        self._calendar_keys: dict[tuple, Calendar] = {}
        self.next_school: dict[int, str] = {}

    # -- references -----------------------------------------------------------------------------
    def school(self, ref) -> School | None:
        shown = f"SchoolId {ref.key[0]}" if ref is not None and ref.key else ""
        return self.c.resolve(ref, self.schools, School, shown)

    def school_id(self, school: School) -> str:
        return self.school_ids[id(school)]

    def calendar(self, ref) -> BundleCalendar | None:
        """The bundle calendar of a CalendarReference (None, with a problem, if none)."""
        found = None if ref is None else self._calendar_record(ref)
        return None if found is None else self.of_record.get(id(found))

    def grade(self, value: Value | None):
        """The district's grade of a grade level value (grades.Grade), or None with a problem."""
        code = self.c.descriptor(value, GRADE_LEVEL)
        if code is None:
            return None
        grade = self.grade_map.grade_of(code)
        if grade is None:
            hint = "" if self.given_map else " (--grade-map FILE maps other codes)"
            self.c.problem(value.where, f"grade level {code!r} is not in the grade map{hint}")
        return grade

    # -- the mapping ----------------------------------------------------------------------------
    def map_schools(self) -> None:
        records = self.c.records
        self.c.index_ids(records.schools)
        seen: dict = {}
        for school in records.schools:
            key = (identity_key("School", school.school_id),)
            if self.c.duplicate(seen, key, school.where, f"School with SchoolId "
                                                         f"{school.school_id}"):
                continue
            self.schools[key] = school
            self.schools_by_object[id(school)] = school
            self.school_ids[id(school)] = self._bundle_school_id(school)
            self.school_codes[id(school)] = self._codes(school.grades)
        leas = records.leas
        for lea in leas[1:]:
            self.c.problem(lea.where, "a second LocalEducationAgency: an import is one district"
                                      f" (the first is on {first_seen(leas[0].where, lea.where)})")

    def _bundle_school_id(self, school: School) -> str:
        for code, system in school.codes:
            kind = self.c.descriptor(system, "EducationOrganizationIdentificationSystemDescriptor")
            if kind == "School" and code:
                return code
        return school.school_id

    def _codes(self, values: list[Value]) -> list[tuple[Value, str]]:
        codes = []
        for value in values:
            code = self.c.descriptor(value, GRADE_LEVEL)
            if code is not None:
                codes.append((value, code))
        return codes

    def map_calendars(self) -> None:
        records = self.c.records
        self.c.index_ids(records.calendars)
        calendars = self._calendar_elements(records.calendars)
        sessions = self._sessions()
        dates = self._dates()
        codes = Counter(cal.code for cal, _school in calendars)
        per_school_year = Counter((id(school), cal.year) for cal, school in calendars)
        for cal, school in calendars:
            school_id = self.school_id(school)
            yyyy = year_end(cal.year)
            several = per_school_year[(id(school), cal.year)] > 1
            bundle = BundleCalendar(
                cal.code if codes[cal.code] == 1 else f"{school_id}-{yyyy}-{cal.code}", school,
                cal.year, cal.where, cal)
            self._add_calendar(bundle, f" {cal.code}" if several else "",
                               sessions.get((id(school), yyyy)), dates.get(id(cal), []))
        for (school_key, yyyy), group in sessions.items():
            if not self.by_school_year.get((school_key, yyyy)):
                school, where, year = group[0][1], group[0][0].where, group[0][0].year
                bundle = BundleCalendar(f"{self.school_id(school)}-{yyyy}", school, year, where,
                                        None)
                self._add_calendar(bundle, "", group, [])
        self._map_grade_levels()
        for bundle in self.calendars:
            self.c.out.add("structures.csv", bundle.where, structure_id=bundle.structure_id,
                           calendar_id=bundle.calendar_id, name="Main")
        self._map_terms(sessions)
        self._map_days(dates)
        self._map_grading_periods()

    def _calendar_elements(self, records) -> list[tuple[Calendar, School]]:
        found, seen = [], {}
        for cal in records:
            school = self.school(cal.school)
            if school is None:
                continue
            key = (cal.code, id(school), cal.year)
            if not self.c.duplicate(seen, key, cal.where, f"Calendar {cal.code!r} of school "
                                                          f"{self.school_id(school)!r} in "
                                                          f"{cal.year}"):
                self._calendar_keys[key] = cal
                found.append((cal, school))
        return found

    def _sessions(self) -> dict[tuple[int, int], list]:
        """(id(school), YYYY) -> [(session, school, begin, end)], in file order."""
        groups, seen = defaultdict(list), {}
        for session in self.c.records.sessions:
            school = self.school(session.school)
            begin = self.c.date(session.begin, session.where)
            end = self.c.date(session.end, session.where)
            if school is None or begin is None or end is None:
                continue
            if not self.c.duplicate(seen, (id(school), session.year, session.name),
                                    session.where, f"Session {session.name!r} of school "
                                                   f"{self.school_id(school)!r} in "
                                                   f"{session.year}"):
                groups[(id(school), year_end(session.year))].append(
                    (session, school, begin, end))
        return groups

    def _dates(self) -> dict[int, list]:
        """id(Calendar) -> [(calendar date's Where, its CalendarEvents, its date)], in file
        order: what the days need of each, not the record (a state has hundreds of
        thousands)."""
        groups, seen = defaultdict(list), {}
        for day in self.c.records.dates:
            ref = day.calendar
            cal = self._calendar_record(ref)
            date = self.c.date(day.date, day.where)
            if cal is None or date is None:
                continue
            if not self.c.duplicate(seen, (id(cal), date), day.where,
                                    f"CalendarDate {date} of Calendar {cal.code!r}"):
                groups[id(cal)].append((day.where, day.events, date))
        return groups

    def _calendar_record(self, ref) -> Calendar | None:
        if ref.key is not None and not ref.problem:
            school = self.school(ref.school)
            if school is None:
                return None
            code, year = ref.key
            found = self._calendar_keys.get((code, id(school), year))
            if found is None:
                self.c.problem(ref.where, f"no Calendar {code!r} of school "
                                          f"{self.school_id(school)!r} in {year} in the import")
            return found
        return self.c.resolve(ref, {}, Calendar)

    def _add_calendar(self, bundle: BundleCalendar, suffix: str, sessions, dates) -> None:
        # Days before the first session or after the last (a teachers' day) are the
        # calendar's too: its span holds both.
        firsts = [begin for _s, _school, begin, _end in sessions or ()]
        lasts = [end for _s, _school, _begin, end in sessions or ()]
        firsts += [date for _where, _events, date in dates]
        lasts += [date for _where, _events, date in dates]
        if firsts:
            bundle.start, bundle.end = min(firsts), max(lasts)
        else:
            self.c.problem(bundle.where, f"calendar {bundle.calendar_id!r} has neither a Session"
                                         f" of its school in {bundle.year} nor a CalendarDate: "
                                         "its first and last days are unknown")
            return
        self.calendars.append(bundle)
        self.by_school_year[(id(bundle.school), bundle.yyyy)].append(bundle)
        if bundle.record is not None:
            self.of_record[id(bundle.record)] = bundle
        self.c.out.add("calendars.csv", bundle.where, calendar_id=bundle.calendar_id,
                       school_id=self.school_id(bundle.school), school_year=bundle.yyyy,
                       name=f"{bundle.school.name} {bundle.year}{suffix}",
                       start_date=bundle.start, end_date=bundle.end,
                       requires_student_assignment=False)

    def _map_grade_levels(self) -> None:
        calendar_codes = {id(b.record): self._codes(b.record.grades) for b in self.calendars
                          if b.record is not None}
        offered = {code for codes in (*self.school_codes.values(), *calendar_codes.values())
                   for _value, code in codes}
        self.grade_map = self.given_map or default_map(offered)
        for bundle in self.calendars:
            codes = calendar_codes.get(id(bundle.record)) or self.school_codes[id(bundle.school)]
            for value, code in codes:
                grade = self.grade_map.grade_of(code)
                if grade is None:
                    self.grade(value)  # the problem, told once for the element
                    continue
                if grade.grade in bundle.grades:
                    continue
                bundle.grades[grade.grade] = grade
                self.c.out.add("grade_levels.csv", value.where, calendar_id=bundle.calendar_id,
                               structure_id=bundle.structure_id, grade=grade.grade,
                               sequence=grade.sequence, state_grade=grade.state_grade,
                               requires_student_assignment=False)
        for codes in self.school_codes.values():  # a school whose calendars have their own
            for value, code in codes:
                if self.grade_map.grade_of(code) is None:
                    self.grade(value)

    def _map_terms(self, sessions) -> None:
        for (school_key, yyyy), group in sessions.items():
            codes = [self.c.descriptor(session.term, "TermDescriptor")
                     for session, *_rest in group]
            shared = {code for code, count in Counter(codes).items() if count > 1}
            schedule = next((plural for word, plural in TERM_SCHEDULES
                             if all(code and code.lower().endswith(word) for code in codes)),
                            "Sessions")
            for bundle in self.by_school_year.get((school_key, yyyy), ()):
                for (session, _school, begin, end), code in zip(group, codes):
                    name = session.name if code is None or code in shared else code
                    self.c.out.add("terms.csv", session.where,
                                   term_id=f"{bundle.structure_id}-{slug(name)}",
                                   structure_id=bundle.structure_id, term_schedule=schedule,
                                   name=name, start_date=begin, end_date=end)

    def _map_days(self, dates) -> None:
        for bundle in self.calendars:
            if bundle.record is None:
                continue
            for where, day_events, date in dates.get(id(bundle.record), ()):
                events = [self.c.descriptor(event, "CalendarEventDescriptor")
                          for event in day_events]
                self.c.out.add("days.csv", where, calendar_id=bundle.calendar_id, date=date,
                               instructional=any(e in INSTRUCTIONAL for e in events))

    def _map_grading_periods(self) -> None:
        groups, seen = defaultdict(list), {}
        for period in self.c.records.grading_periods:
            school = self.school(period.school)
            begin = self.c.date(period.begin, period.where)
            end = self.c.date(period.end, period.where)
            if school is None or begin is None or end is None:
                continue
            if not self.c.duplicate(seen, (id(school), period.descriptor, period.name,
                                           period.year), period.where,
                                    f"GradingPeriod {period.name!r} of school "
                                    f"{self.school_id(school)!r} in {period.year}"):
                groups[(id(school), year_end(period.year))].append((period, begin, end))
        for key, group in groups.items():
            by_begin = sorted(range(len(group)), key=lambda i: (group[i][1], group[i][0].name))
            rank = {i: n for n, i in enumerate(by_begin, start=1)}
            for bundle in self.by_school_year.get(key, ()):
                for i, (period, begin, end) in enumerate(group):
                    sequence = int(period.sequence) if period.sequence else rank[i]
                    self.c.out.add("grading_periods.csv", period.where,
                                   grading_period_id=f"{bundle.calendar_id}-{slug(period.name)}",
                                   calendar_id=bundle.calendar_id, name=period.name,
                                   sequence=sequence, start_date=begin, end_date=end)

    def map_feeders(self, current_year: int | None) -> None:
        """`schools.next_school_id` from the FeederSchoolAssociations in force at the end of
        the current year."""
        last_day = self._last_day(current_year)
        targets: dict[int, list] = defaultdict(list)
        for feeder in self.c.records.feeders:
            source, target = self.school(feeder.feeder), self.school(feeder.school)
            end = self.c.date(feeder.end, feeder.where)
            if source is None or target is None or (feeder.end is not None and end is None):
                continue
            if end is None or last_day is None or end >= last_day:
                targets[id(source)].append((target, feeder.where))
        for source_key, found in targets.items():
            distinct = {id(target) for target, _where in found}
            if len(distinct) == 1:
                self.next_school[source_key] = self.school_id(found[0][0])
            else:
                source = self.school_id(self.schools_by_object[source_key])
                names = ", ".join(sorted({repr(self.school_id(t)) for t, _where in found}))
                self.c.warning(found[1][1], "FEEDER_AMBIGUOUS",
                               f"school {source!r} feeds more than one school ({names}) at the "
                               "end of the current year: its next_school_id is left empty")

    def _last_day(self, current_year: int | None) -> dt.date | None:
        if current_year is None:
            return None
        ends = [b.end for b in self.calendars if b.yyyy == current_year]
        return max(ends) if ends else dt.date(current_year, 6, 30)

    def add_schools_and_district(self, current_year: int | None) -> None:
        for school in self.schools.values():
            self.c.out.add("schools.csv", school.where, school_id=self.school_id(school),
                           name=school.name, next_school_id=self.next_school.get(id(school)))
        records = self.c.records
        lea = records.leas[0] if records.leas else None
        where = lea.where if lea else Where(records.first_file.get("EducationOrganization", "-"),
                                            1, "InterchangeEducationOrganization")
        self.c.out.add("district.csv", where, name=lea.name if lea else None,
                       restrict_to_boundaries=False, student_assignment_validation=False,
                       local_start_status_required=False, current_school_year=current_year)
