"""A refusal of a calendar, school, grade or module name the district does not have ends with
the stored name it most likely meant ("; did you mean 'HSA27'?"), the rest of the message as
before; nothing is written.  The two-school district (tests/security_setup.py: HSA and HSB, each
with a 2027 and a 2028 calendar, grades 09-12), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from rollover.domain.suggestions import closest, did_you_mean
from rollover.store.schema import runs

from .security_setup import END_DATE, load_district, refused, rollover, row_counts


@pytest.mark.parametrize("given, names, meant", [
    ("2027-HIGH0001", ["2027-HIG0001", "2027-MID0001", "2028-HIG0001"], "2027-HIG0001"),
    ("hsa27", ["HSA27", "HSB27"], "HSA27"),  # letter case alone
    ("registraton", ["calendar", "registration", "scheduling"], "registration"),
    ("9", ["09", "10", "11", "12"], "09"),
    ("HSA29", ["HSA27", "HSA28"], None),  # two equally close: no guess
    ("NOPE", ["HSA", "HSB"], None),  # nothing close
    ("HSA", ["HSA"], None),  # the name itself is no suggestion
])
def test_the_closest_stored_name(given, names, meant):
    assert closest(given, names) == meant
    assert did_you_mean(given, names) == (f"; did you mean {meant!r}?" if meant else "")


@pytest.fixture
def district(engine, db_url, tmp_path) -> str:
    load_district(engine, tmp_path)
    return db_url


END = ["--end-date", END_DATE, "--end-status", "E01"]


@pytest.mark.parametrize("args, message", [
    (["forward", "--source-calendar", "HSA277", "--test"],
     "unknown source calendar 'HSA277'; did you mean 'HSA27'?"),
    (["forward", "--source-calendar", "HSA27", "--dest-calendar", "hsa28", "--dest-structure",
      "HSA28-Main", "--test"],
     "unknown destination calendar 'hsa28'; did you mean 'HSA28'?"),
    (["forward", "--source-calendar", "HSA27", "--source-grade", "9", "--test"],
     "unknown source grade '9': not a grade of the source calendars (grades: 09, 10, 11, 12); "
     "did you mean '09'?"),
    (["end-batch", "--calendar", "hsb27", *END],
     "unknown calendar 'hsb27'; did you mean 'HSB27'?"),
    (["end-batch", "--calendar", "HSA27", "--grade", "9", *END],
     "grade '9' is not offered by calendar 'HSA27' (grades: 09, 10, 11, 12); did you mean '09'?"),
    (["cleanup", "--calendar", "HSA288"], "unknown calendar 'HSA288'; did you mean 'HSA28'?"),
    (["calendars", "roll", "--from-year", "2027", "--school", "hsa"],
     "--school: unknown school 'hsa' (did you mean 'HSA'?); nothing was written"),
    (["process", "run", "registraton"],
     "unknown module 'registraton'; the modules are: attendance_codes, calendar, mark_reporting, "
     "programs, registration, scheduling, success_plan; did you mean 'registration'?"),
])
def test_a_refused_name_says_which_stored_one_was_meant(engine, district, args, message):
    before = row_counts(engine)
    assert refused(rollover(district, *args), message)
    assert row_counts(engine) == before  # nothing written, not even a run record


def test_a_name_close_to_none_is_refused_as_before(engine, district):
    assert refused(rollover(district, "end-batch", "--calendar", "NOPE", *END),
                   "unknown calendar 'NOPE'")
    with engine.connect() as conn:
        assert conn.execute(runs.select()).first() is None
