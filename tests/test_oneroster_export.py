"""`rollover export --format oneroster OUT_DIR [--year YEAR]` (docs/interop.md, section 3): one
school year as OneRoster 1.2 CSV that a consumer can load, on SQLite and PostgreSQL.

The demo district's export is checked whole (headers as the doc gives them, the manifest, every
reference, every user's grade and primary school against the store); a small district written
here gives the exact rows of the rules (the main enrollment, roles, terms, schedules left out);
the refusals write nothing, through the service, the command line and the HTTP API.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, update

from rollover.errors import RolloverError
from rollover.services import exports
from rollover.services.bundles import import_bundle
from rollover.services.demo import load_demo
from rollover.services.oneroster_export import export_oneroster, package_version
from rollover.store.database import open_engine
from rollover.store.schema import calendars, district, enrollments, grade_levels

from . import cli
from .api_setup import api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .conftest import emptied_postgres, migrated_sqlite
from .districts import District, first_day, last_day
from .test_api_jobs import V1, admin, job_count, queued, work

DOCS = Path(__file__).parent.parent / "docs"
YEAR = 2027
CEDS = {"IT", "PR", "PK", "TK", "KG", *(f"{n:02d}" for n in range(1, 14)), "PS", "UG", "Other"}
MANIFEST_FILES = [
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems",
    "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
    "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users"]
WRITTEN_ALWAYS = {"academicSessions.csv", "orgs.csv", "users.csv", "roles.csv",
                  "demographics.csv"}
WITH_SCHEDULES = WRITTEN_ALWAYS | {"courses.csv", "classes.csv", "enrollments.csv"}


# -- reading an export ----------------------------------------------------------------------------
def documented_headers() -> dict[str, str]:
    """Each file's header as docs/interop.md's section 3 table gives it."""
    text = (DOCS / "interop.md").read_text(encoding="utf-8")
    section = text[text.index("## 3."):text.index("## 4.")]
    return dict(re.findall(r"^\| `(\w+\.csv)` \| `([^`]+)` \|", section, re.MULTILINE))


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def manifest(folder: Path) -> dict[str, str]:
    return {row["propertyName"]: row["value"] for row in read(folder, "manifest.csv")}


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def zipped_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_loadable(folder: Path) -> dict[str, list[dict[str, str]]]:
    """What a consumer relies on (docs/interop.md, "A consumer can load it"); every file's
    rows."""
    headers = documented_headers()
    names = {p.name for p in folder.iterdir()}
    for name in names:
        raw = (folder / name).read_bytes()
        assert raw.startswith(headers[name].encode("ascii") + b"\r\n"), name  # no BOM either
        raw.decode("utf-8")
    said = manifest(folder)
    assert list(said) == ["manifest.version", "oneroster.version",
                          *(f"file.{n}" for n in MANIFEST_FILES), "source.systemName",
                          "source.systemCode"]
    assert (said["manifest.version"], said["oneroster.version"]) == ("1.0", "1.2")
    assert (said["source.systemName"], said["source.systemCode"]) == ("rollover",
                                                                    package_version())
    assert {said[f"file.{n}"] for n in MANIFEST_FILES} <= {"bulk", "absent"}
    bulk = {f"{n}.csv" for n in MANIFEST_FILES if said[f"file.{n}"] == "bulk"}
    assert names == bulk | {"manifest.csv"}

    files = {name: read(folder, name) for name in bulk}
    ids = {}
    for name, rows in files.items():
        ids[name] = [row["sourcedId"] for row in rows]
        assert len(set(ids[name])) == len(ids[name]), name
        for row in rows:
            assert row["status"] == "" and row["dateLastModified"] == "", (name, row)
            for column in ("startDate", "endDate", "beginDate", "birthDate"):
                assert re.fullmatch(r"(\d{4}-\d{2}-\d{2})?", row.get(column, "")), (name, row)
    sessions, orgs, users = (set(ids[n]) for n in ("academicSessions.csv", "orgs.csv",
                                                   "users.csv"))
    courses, classes = set(ids.get("courses.csv", [])), set(ids.get("classes.csv", []))

    def resolves(name: str, column: str, targets: set[str], *, empty: bool = False) -> None:
        for row in files.get(name, []):
            assert row[column] in targets or (empty and row[column] == ""), (name, column, row)

    resolves("academicSessions.csv", "parentSourcedId", sessions, empty=True)
    resolves("orgs.csv", "parentSourcedId", orgs, empty=True)
    resolves("users.csv", "primaryOrgSourcedId", orgs)
    resolves("roles.csv", "userSourcedId", users)
    resolves("roles.csv", "orgSourcedId", orgs)
    resolves("demographics.csv", "sourcedId", users)
    resolves("courses.csv", "schoolYearSourcedId", sessions)
    resolves("courses.csv", "orgSourcedId", orgs)
    resolves("classes.csv", "courseSourcedId", courses)
    resolves("classes.csv", "schoolSourcedId", orgs)
    resolves("enrollments.csv", "classSourcedId", classes)
    resolves("enrollments.csv", "schoolSourcedId", orgs)
    resolves("enrollments.csv", "userSourcedId", users)
    for row in files.get("classes.csv", []):
        assert row["termSourcedIds"] and set(row["termSourcedIds"].split(",")) <= sessions, row
    assert {row["schoolYear"] for row in files["academicSessions.csv"]} == {str(YEAR)}
    primaries = Counter(row["userSourcedId"] for row in files["roles.csv"]
                        if row["roleType"] == "primary")
    assert primaries == Counter(users), "each user has exactly one primary role"
    for row in files["roles.csv"]:
        assert row["roleType"] in ("primary", "secondary") and row["role"] == "student", row
    return files


# -- the demo district ----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory, postgres_url, sqlite_template):
    """The demo district's export of 2027 and, from the store, every enrollment of 2027 as
    (student_id, enrollment_id, school_id, service_type, start_date, state_grade)."""
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    url = (migrated_sqlite(sqlite_template, folder / "rollover.db")
           if request.param == "sqlite" else emptied_postgres(postgres_url))
    engine = open_engine(url)
    load_demo(engine, students=300, seed=4)
    result = export_oneroster(engine, folder / "oneroster")
    e, c, g = enrollments.c, calendars.c, grade_levels.c
    with engine.connect() as conn:
        stored = conn.execute(
            select(e.student_id, e.enrollment_id, c.school_id, e.service_type, e.start_date,
                   g.state_grade)
            .join_from(enrollments, calendars, c.calendar_id == e.calendar_id)
            .join(grade_levels, (g.calendar_id == e.calendar_id)
                  & (g.structure_id == e.structure_id) & (g.grade == e.grade))
            .where(c.school_year == YEAR)).all()
    engine.dispose()
    return folder / "oneroster", result, stored


def test_the_demo_year_is_written_whole_with_the_documented_headers(demo):
    folder, result, _stored = demo
    assert len(documented_headers()) == 9
    files = assert_loadable(folder)
    assert set(files) == WITH_SCHEDULES  # the demo has courses, sections and schedules
    assert result.year == YEAR and result.left_out == 0
    assert result.files == {"manifest.csv": 25, **{name: len(rows)
                                                   for name, rows in files.items()}}
    assert all(files[name] for name in WITH_SCHEDULES)


def test_every_student_enrolled_in_the_year_is_a_user_with_the_main_enrollments_grade_and_school(
        demo):
    folder, _result, stored = demo
    theirs: dict[str, list] = {}
    for row in stored:
        theirs.setdefault(row.student_id, []).append(row)
    users = {row["sourcedId"]: row for row in read(folder, "users.csv")}
    assert set(users) == set(theirs)
    assert {row["sourcedId"] for row in read(folder, "demographics.csv")} == set(theirs)
    several_schools = 0
    for student_id, rows in theirs.items():
        primary = [r for r in rows if r.service_type == "primary"] or rows
        latest = max(r.start_date for r in primary)
        main = min((r for r in primary if r.start_date == latest), key=lambda r: r.enrollment_id)
        user = users[student_id]
        assert user["primaryOrgSourcedId"] == main.school_id, student_id
        assert user["grades"] == (main.state_grade if main.state_grade in CEDS else ""), user
        several_schools += len({r.school_id for r in rows}) > 1
    assert several_schools, "the demo has students enrolled at two schools (partial service)"
    assert {u["grades"] for u in users.values()} >= {"KG", "01", "09", "12"}


# -- a district written by hand -------------------------------------------------------------------
def small_district() -> District:
    """Three schools' 2027 calendars and one of 2028, students whose enrollments show the main
    enrollment's rule, and a master schedule with schedules (one of a student not enrolled in
    2027)."""
    d = District()
    for school in ("HSA", "MSA", "CTR"):
        d.school(school, name=f"School {school}")
    d.calendar("HSA27", "HSA", YEAR, {"09": (9, "09", False), "10": (10, "10", False)},
               term_schedules={"Year": last_day(YEAR), "Fall": dt.date(2026, 12, 18)})
    d.rows["terms"].append(("T0", "HSA27-Main", "Semesters", "Spring", dt.date(2027, 1, 4),
                            last_day(YEAR)))
    d.calendar("MSA27", "MSA", YEAR, {"08": (8, "08", False)}, terms=False)
    d.calendar("CTR27", "CTR", YEAR, {"UG": (0, "Ungraded", False)})
    d.calendar("HSA28", "HSA", YEAR + 1, ["10"])
    d.student("S1", "Smith", "Ann", number="1001")
    d.enroll("E1", "S1", "MSA27", "08", end=dt.date(2026, 12, 18))
    d.enroll("E2", "S1", "HSA27", "09", start=dt.date(2027, 1, 4))
    d.enroll("E3", "S1", "CTR27", "UG", service_type="partial", start=dt.date(2027, 1, 11))
    d.student("S2", "Jones, Jr.", "Bob")
    d.rows["students"][-1] = ("S2", None, "Jones, Jr.", "Bob", dt.date(2012, 7, 30))
    d.enroll("E4", "S2", "CTR27", "UG", service_type="partial")
    d.student("S3", "Lee", "Cy", number="1003")
    d.enroll("E5", "S3", "HSA27", "10", end=dt.date(2026, 10, 1))
    d.enroll("E6", "S3", "HSA27", "10", start=dt.date(2026, 10, 15))
    d.student("S4", "Park", "Di", number="1004")
    d.enroll("E8", "S4", "HSA27", "09")
    d.enroll("E7", "S4", "MSA27", "08")
    d.student("S5", "Ruiz", "Eve", number="1005")  # enrolled next year only
    d.enroll("E9", "S5", "HSA28", "10")
    d.course("C1", "HSA27", "1001", "English 9")
    d.section("C1-1", "C1", "1", room="Room 12")
    d.section("C1-2", "C1", "2")
    d.course("C2", "MSA27", "0801", "Math 8")
    d.section("C2-1", "C2", "1", room="Room 3")
    d.course("C3", "HSA28", "1001", "English 9")
    d.section("C3-1", "C3", "1")
    d.schedule("S1", "C1-1", dt.date(2027, 1, 4))
    d.schedule("S1", "C2-1", first_day(YEAR), dt.date(2026, 12, 18))
    d.schedule("S3", "C1-2")
    d.schedule("S5", "C1-1")  # not a user of 2027: left out
    d.schedule("S5", "C3-1")  # 2028's
    return d


@pytest.fixture
def small(engine, tmp_path):
    import_bundle(engine, small_district().write_bundle(tmp_path / "bundle"))
    return engine


def lines(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").splitlines()


def test_the_rows_of_a_small_district_are_exactly_the_rules(small, tmp_path):
    out = tmp_path / "out"
    calls = []
    result = export_oneroster(small, out, year=YEAR,
                              progress=lambda *call: calls.append(call))
    assert result.left_out == 1
    # 8 enrollments, 2 courses, 3 sections and 4 schedules of 2027 read
    assert calls == [("exporting", 17, 17)]
    assert set(assert_loadable(out)) == WITH_SCHEDULES
    assert lines(out, "academicSessions.csv")[1:] == [
        "SY2027,,,2026-2027,schoolYear,2026-08-24,2027-06-04,,2027",
        "T0,,,Spring,term,2027-01-04,2027-06-04,SY2027,2027",
        "T1,,,Term,term,2026-08-24,2027-06-04,SY2027,2027",
        "T2,,,Term,term,2026-08-24,2026-12-18,SY2027,2027",
        "T3,,,Term,term,2026-08-24,2027-06-04,SY2027,2027"]
    assert lines(out, "orgs.csv")[1:] == [
        "district,,,Test ISD,district,,",
        "CTR,,,School CTR,school,CTR,district",
        "HSA,,,School HSA,school,HSA,district",
        "MSA,,,School MSA,school,MSA,district"]
    blank = ",,"  # status, dateLastModified
    # S1: primary enrollments preferred over the later partial one; S2: a partial one only,
    # a state grade that is no CEDS code, no student_number; S4: two primary ones starting
    # the same day, the smaller enrollment_id (E7, at MSA) is the main one.
    assert lines(out, "users.csv")[1:] == [
        f"S1{blank},true,1001,,Ann,Smith,,1001,,,,,09,,,,,,,HSA,",
        f'S2{blank},true,S2,,Bob,"Jones, Jr.",,S2,,,,,,,,,,,,CTR,',
        f"S3{blank},true,1003,,Cy,Lee,,1003,,,,,10,,,,,,,HSA,",
        f"S4{blank},true,1004,,Di,Park,,1004,,,,,08,,,,,,,MSA,"]
    assert lines(out, "roles.csv")[1:] == [
        f"E3{blank},S1,secondary,student,2027-01-11,,CTR,",
        f"E2{blank},S1,primary,student,2027-01-04,,HSA,",
        f"E1{blank},S1,secondary,student,2026-08-24,2026-12-18,MSA,",
        f"E4{blank},S2,primary,student,2026-08-24,,CTR,",
        f"E6{blank},S3,primary,student,2026-08-24,,HSA,",
        f"E8{blank},S4,secondary,student,2026-08-24,,HSA,",
        f"E7{blank},S4,primary,student,2026-08-24,,MSA,"]
    assert lines(out, "demographics.csv")[1:] == [
        f"S1{blank},{',' * 12}", f"S2{blank},2012-07-30{',' * 12}", f"S3{blank},{',' * 12}",
        f"S4{blank},{',' * 12}"]
    assert lines(out, "courses.csv")[1:] == [f"C1{blank},SY2027,English 9,1001,,HSA,,",
                                             f"C2{blank},SY2027,Math 8,0801,,MSA,,"]
    # The terms of the course's calendar by start; a calendar without terms: the school year.
    assert lines(out, "classes.csv")[1:] == [
        f'C1-1{blank},English 9 1,,C1,1,scheduled,Room 12,HSA,"T1,T2,T0",,,',
        f'C1-2{blank},English 9 2,,C1,2,scheduled,,HSA,"T1,T2,T0",,,',
        f"C2-1{blank},Math 8 1,,C2,1,scheduled,Room 3,MSA,SY2027,,,"]
    assert lines(out, "enrollments.csv")[1:] == [
        f"C1-1:S1{blank},C1-1,HSA,S1,student,false,2027-01-04,",
        f"C1-2:S3{blank},C1-2,HSA,S3,student,false,,",
        f"C2-1:S1{blank},C2-1,MSA,S1,student,false,2026-08-24,2026-12-18"]


def test_a_year_without_courses_writes_no_course_class_or_enrollment_file(engine, tiny_bundle,
                                                                          tmp_path):
    import_bundle(engine, tiny_bundle)
    out = tmp_path / "out"
    result = export_oneroster(engine, out)  # the current school year, 2027
    assert result.year == YEAR
    assert set(assert_loadable(out)) == WRITTEN_ALWAYS
    said = manifest(out)
    assert [said[f"file.{n}"] for n in ("courses", "classes", "enrollments")] == ["absent"] * 3
    assert not (out / "courses.csv").exists()


# -- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize("change, year, problems, message", [
    ("nothing", 2031, [], "school year 2031 has no calendars"),
    ("nothing", 10**20, [], f"school year {10**20} has no calendars"),
    ("no current year", None, [],
     "no school year given and the district has no current school year: give one (--year)"),
    ("a school named district", YEAR,
     ["orgs.csv: sourcedId: 'district' names both the district and school 'district'"],
     "export refused: 1 problem; nothing was written"),
    ("a term named SY2027 and a school named district", YEAR,
     ["academicSessions.csv: sourcedId: 'SY2027' names both school year 2027 and term 'SY2027'",
      "orgs.csv: sourcedId: 'district' names both the district and school 'district'"],
     "export refused: 2 problems; nothing was written"),
    ("two schedules of one sourcedId", YEAR,
     ["enrollments.csv: sourcedId: 'A:B:C' names both student 'B:C' in section 'A' and "
      "student 'C' in section 'A:B'"],
     "export refused: 1 problem; nothing was written"),
])
def test_a_refused_export_says_why_and_writes_nothing(engine, db_url, tmp_path, change, year,
                                                      problems, message):
    d = small_district()
    if change == "no current year":
        d.rows["district"][0] = (*d.rows["district"][0][:4], None)
    if "named district" in change:
        d.school("district")
        d.calendar("D27", "district", YEAR, ["09"], terms=False)
    if "SY2027" in change:
        d.rows["terms"].append(("SY2027", "HSA27-Main", "Semesters", "S", first_day(YEAR),
                                last_day(YEAR)))
    if change == "two schedules of one sourcedId":
        for student in ("C", "B:C"):
            d.student(student)
            d.enroll(f"E-{student}", student, "HSA27", "09")
        d.section("A", "C1", "3")
        d.section("A:B", "C1", "4")
        d.schedule("C", "A:B")
        d.schedule("B:C", "A")
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    out = tmp_path / "new" / "deeper" / "out"
    with pytest.raises(RolloverError) as refused:
        export_oneroster(engine, out, year=year)
    assert (refused.value.details(), str(refused.value)) == (problems, message)
    assert not (tmp_path / "new").exists()  # nor its parents, nor a folder beside it
    result = cli.rollover("export", "--format", "oneroster", str(out), "--db", db_url,
                          *(["--year", str(year)] if year else []))
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert result.stderr.splitlines() == [*problems, f"rollover: {message}"]
    assert not (tmp_path / "new").exists()


def test_an_out_dir_that_is_not_empty_is_refused_and_left_as_it_was(small, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    beside = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RolloverError, match=f"^export folder '{out}' exists and is not empty$"):
        export_oneroster(small, out)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == beside


def test_an_empty_out_dir_is_filled(small, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    export_oneroster(small, out)
    assert (out / "manifest.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


# -- the command line and the HTTP API ------------------------------------------------------------
def test_the_command_writes_the_files_and_warns_of_schedules_left_out(small, db_url, tmp_path):
    export_oneroster(small, tmp_path / "service")
    result = cli.rollover("export", str(tmp_path / "cli"), "--format", "oneroster", "--year",
                          "2027", "--db", db_url)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "warning: enrollments.csv: 1 schedule left out: its student is not in users.csv (no "
        "enrollment in 2027)"]
    assert result.stdout == (f"exported school year 2027 as OneRoster 1.2: 57 rows in 9 files "
                             f"to {tmp_path / 'cli'}\n")
    assert file_bytes(tmp_path / "cli") == file_bytes(tmp_path / "service")


def test_the_command_refuses_a_year_for_a_bundle(small, db_url, tmp_path):
    result = cli.rollover("export", str(tmp_path / "out"), "--year", "2027", "--db", db_url)
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        "rollover: --year: a bundle holds every school year; give --format edfi or oneroster to "
        "export one"]
    assert not (tmp_path / "out").exists()


def test_the_api_answers_the_zip_of_the_files_or_a_problem(api, db_url, tmp_path):
    answer = api.client.get(f"{V1}/exports?format=oneroster&year=2027", headers=admin(api))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    zipped = zipped_files(answer.content)
    result = cli.rollover("export", "--format", "oneroster", str(tmp_path / "cli"), "--db",
                          db_url)
    assert result.exit_code == 0, result.stderr
    assert zipped == file_bytes(tmp_path / "cli")
    problem = is_problem(api.client.get(f"{V1}/exports?format=oneroster&year=2031",
                                        headers=admin(api)), 400)
    assert problem["detail"] == "school year 2031 has no calendars"
    assert job_count(api.engine) == 1  # the fixture's only: no job


def test_a_large_districts_export_is_a_job_whose_zip_holds_the_files(api, db_url, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_JOB_ROWS", 0)
    monkeypatch.setenv(exports.DIR_VARIABLE, str(tmp_path / "exports"))
    with api.engine.begin() as conn:
        conn.execute(update(district).values(current_school_year=None))
    # The year is checked before a job is queued.
    problem = is_problem(api.client.get(f"{V1}/exports?format=oneroster", headers=admin(api)),
                         400)
    assert problem["detail"].startswith("no school year given"), problem
    assert job_count(api.engine) == 1
    job = queued(api.client.get(f"{V1}/exports?format=oneroster&year=2027",
                                headers=admin(api)))
    assert job["kind"] == "export"
    done = work(api)
    assert (done["state"], done["error"]) == ("succeeded", None), done
    answer = api.client.get(done["result"]["download"], headers=admin(api))
    assert answer.status_code == 200, answer.text
    result = cli.rollover("export", "--format", "oneroster", "--year", "2027",
                          str(tmp_path / "cli"), "--db", db_url)
    assert result.exit_code == 0, result.stderr
    assert zipped_files(answer.content) == file_bytes(tmp_path / "cli")
