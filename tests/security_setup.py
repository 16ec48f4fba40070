"""What the YE-2 tests (test_users.py, test_lock.py) share: a two-school district, users with
chosen rights, every table's rows (or row count), every file of a folder, and the command line
run in-process.

    HSA and HSB, each with a 2027 calendar (grades 09-12) and a 2028 one; one student in each.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from rollover.services.bundles import import_bundle
from rollover.services.security import add_user, grant
from rollover.store.schema import metadata

from . import cli
from .districts import District, last_day, stored_rows
from .store_templates import from_template

ADMIN = "admin"  # the first user: system_all for all schools
GRADES = ["09", "10", "11", "12"]


def two_schools() -> District:
    d = District()
    for school in ("HSA", "HSB"):
        d.school(school)
        d.calendar(f"{school}27", school, 2027, GRADES)
        d.calendar(f"{school}28", school, 2028, GRADES)
        student = f"S{school[-1]}"
        d.student(student)
        d.enroll(f"E{school[-1]}", student, f"{school}27", "10")
    return d


def load_district(engine, tmp_path: Path) -> Path:
    """Import the district while the district is still open (no users); the bundle folder.
    (Imported once per test session and database kind; each test gets a copy.)"""
    from_template(engine, tmp_path, "two schools", _import_two_schools)
    return tmp_path / "bundle"


def _import_two_schools(engine, folder: Path) -> None:
    import_bundle(engine, two_schools().write_bundle(folder / "bundle"))


def add_users(engine, **rights: list[tuple]) -> None:
    """ADMIN first (system_all), then each user with their grants: (right,), (right, school) or
    (right, school, access)."""
    add_user(engine, ADMIN, "The Administrator", user=None)
    for name, grants in rights.items():
        add_user(engine, name, user=ADMIN)
        for right, *rest in grants:
            school = rest[0] if rest else None
            access = rest[1] if len(rest) > 1 else "write"
            grant(engine, name, right, school, access, user=ADMIN)


def row_counts(engine) -> dict[str, int]:
    """Rows of every table of the store."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}


def every_row(engine) -> dict[str, list[tuple]]:
    """Every row of every table of the store, sorted."""
    return stored_rows(engine, *(t.name for t in metadata.sorted_tables))


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (its path inside it -> its content)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def rollover(db_url: str, *args: str, user: str | None = None, cwd: Path | None = None,
             login: str | None = None):
    """`rollover --db URL ARGS` in-process, acting as `user` ($ROLLOVER_USER) with `login` as
    the login name ($USER, unset by default)."""
    return cli.rollover("--db", db_url, *args, user=user, env={"USER": login}, cwd=cwd)


def refused(result, message: str) -> bool:
    """Exit status 2 and `rollover: MESSAGE` as the last line on standard error."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"rollover: {message}", result.stderr
    return True


END_DATE = last_day(2027).isoformat()
