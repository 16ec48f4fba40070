"""The roll forward's --filter language (rollover.domain.filter): pure, no database."""

from __future__ import annotations

import os
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollover.bundle import format as bundle_format
from rollover.bundle import values as bundle_values
from rollover.domain.filter import (
    FIELDS,
    INT_MAX,
    INT_MIN,
    FilterError,
    StudentFilter,
    parse_filter,
    student_id_list_filter,
)
from rollover.domain.forward.options import OptionError
from rollover.errors import RolloverError
from rollover.services.forward import MAX_FILTER_FILE_BYTES, compile_filter

BUNDLE_EXAMPLE = 'grade in ("08", "09") and last_name startswith "S"'


def rec(**values):
    """A record with every field unset but the given ones."""
    record = dict.fromkeys(FIELDS)
    record.update(values)
    return record


def m(expr: str, **values) -> bool:
    return parse_filter(expr).matches(rec(**values))


# --- fields -------------------------------------------------------------------------------------

def test_fields_match_bundle_format():
    kinds = {bundle_format.ID: "text", bundle_format.ENUM: "text", bundle_format.TEXT: "text",
             bundle_format.DATE: "date", bundle_format.INT: "int"}
    students = bundle_format.FILES_BY_NAME["students.csv"]
    enrollments = bundle_format.FILES_BY_NAME["enrollments.csv"]
    expected = {c.name: kinds[c.kind] for c in students.columns}
    expected.update({c.name: kinds[c.kind] for c in enrollments.columns
                     if c.name not in ("student_id", "rolled_from")})
    expected["school_id"] = "text"
    assert FIELDS == expected


def test_filter_object():
    f = parse_filter(BUNDLE_EXAMPLE)
    assert isinstance(f, StudentFilter)
    assert f.text == BUNDLE_EXAMPLE
    assert f.fields == frozenset({"grade", "last_name"})
    with pytest.raises(AttributeError):
        f.text = "x"
    assert f.predicate(rec(grade="08", last_name="Smith")) is True
    assert "grade in" in repr(f)


def test_bundle_example():
    f = parse_filter(BUNDLE_EXAMPLE)
    assert f.matches(rec(grade="08", last_name="Smith")) is True
    assert f.matches(rec(grade="09", last_name="S")) is True
    assert f.matches(rec(grade="10", last_name="Smith")) is False
    assert f.matches(rec(grade="08", last_name="smith")) is False  # case-sensitive
    assert f.matches(rec(grade="8", last_name="Smith")) is False
    assert f.matches(rec(grade=None, last_name="Smith")) is False
    assert f.matches(rec(grade="08", last_name=None)) is False
    assert f.matches({"grade": "08", "last_name": "Sanchez"}) is True  # only the fields it reads


# --- operators ----------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, true_value, false_value", [
    ('grade == "08"', "08", "8"),
    ('grade != "08"', "09", "08"),
    ('grade < "08"', "07", "08"),
    ('grade <= "08"', "08", "09"),
    ('grade > "08"', "09", "08"),
    ('grade >= "08"', "08", "07"),
    ('grade in ("08", "09")', "09", "10"),
    ('grade not in ("08", "09")', "10", "08"),
    ('grade startswith "0"', "08", "10"),
    ('grade startswith ""', "", None),
])
def test_text_operators(expr, true_value, false_value):
    assert m(expr, grade=true_value) is True
    assert m(expr, grade=false_value) is False


@pytest.mark.parametrize("expr, true_value, false_value", [
    ("graduation_cohort == 2030", 2030, 2031),
    ("graduation_cohort != 2030", 2031, 2030),
    ("graduation_cohort < 2030", 2029, 2030),
    ("graduation_cohort <= 2030", 2030, 2031),
    ("graduation_cohort > 2030", 2031, 2030),
    ("graduation_cohort >= 2030", 2030, 2029),
    ("graduation_cohort in (2030, 2031)", 2031, 2032),
    ("graduation_cohort not in (2030, 2031)", 2032, 2030),
    ("graduation_cohort > -1", 0, -1),
    ("graduation_cohort == -5", -5, 5),
])
def test_int_operators(expr, true_value, false_value):
    assert m(expr, graduation_cohort=true_value) is True
    assert m(expr, graduation_cohort=false_value) is False


@pytest.mark.parametrize("expr, true_value, false_value", [
    ('birth_date == "2010-05-01"', date(2010, 5, 1), date(2010, 5, 2)),
    ('birth_date != "2010-05-01"', date(2010, 5, 2), date(2010, 5, 1)),
    ('birth_date < "2010-05-01"', date(2010, 4, 30), date(2010, 5, 1)),
    ('birth_date <= "2010-05-01"', date(2010, 5, 1), date(2010, 5, 2)),
    ('birth_date > "2010-05-01"', date(2011, 1, 1), date(2010, 5, 1)),
    ('birth_date >= "2010-05-01"', date(2010, 5, 1), date(2009, 12, 31)),
    ('birth_date in ("2010-05-01", "2011-01-01")', date(2011, 1, 1), date(2010, 1, 1)),
    ('birth_date not in ("2010-05-01",)', date(2010, 1, 1), date(2010, 5, 1)),
])
def test_date_operators(expr, true_value, false_value):
    assert m(expr, birth_date=true_value) is True
    assert m(expr, birth_date=false_value) is False


def test_date_values_given_as_text_or_datetime():
    f = parse_filter('start_date >= "2024-08-15" and end_date == null')
    assert f.matches(rec(start_date="2024-08-15")) is True
    assert f.matches(rec(start_date=datetime(2024, 8, 14, 12, 0))) is False
    assert f.matches(rec(start_date=date(2024, 9, 1), end_date=date(2025, 6, 1))) is False


def test_every_field_is_usable():
    for name, kind in FIELDS.items():
        literal = {"text": '"x"', "int": "1", "date": '"2020-01-01"'}[kind]
        value = {"text": "x", "int": 1, "date": date(2020, 1, 1)}[kind]
        f = parse_filter(f"{name} == {literal}")
        assert f.fields == {name}
        assert f.matches({name: value}) is True
        assert f.matches({}) is False


# --- null semantics -----------------------------------------------------------------------------

def test_null_semantics():
    assert m("end_status == null") is True
    assert m("end_status == null", end_status="") is False  # empty text is a value
    assert m("end_status != null") is False
    assert m("end_status != null", end_status="X") is True
    assert m('end_status == "X"') is False
    assert m('end_status != "X"') is True
    for op in ("<", "<=", ">", ">="):
        assert m(f'end_status {op} "X"') is False
        assert m(f"graduation_cohort {op} 0") is False
        assert m(f'end_date {op} "2020-01-01"') is False
    assert m('end_status startswith ""') is False
    assert m('end_status in ("X", "")') is False
    assert m('end_status not in ("X", "")') is True
    assert m("graduation_cohort == null") is True
    assert m("graduation_cohort != 1") is True
    assert m("end_date == null") is True
    assert m('end_date != "2020-01-01"') is True
    assert m("end_date == NULL", end_date=date(2020, 1, 1)) is False
    # a field missing from the record is unset
    assert parse_filter("next_grade == null").matches({}) is True


def test_empty_list():
    assert m("grade in ()", grade="08") is False
    assert m("grade not in ()", grade="08") is True
    assert m("grade not in ( )") is True


# --- combination --------------------------------------------------------------------------------

def test_and_or_not():
    assert m('grade == "08" and last_name == "S"', grade="08", last_name="S") is True
    assert m('grade == "08" and last_name == "S"', grade="08", last_name="T") is False
    assert m('grade == "08" or last_name == "S"', grade="09", last_name="S") is True
    assert m('grade == "08" or last_name == "S"', grade="09", last_name="T") is False
    assert m('not grade == "08"', grade="09") is True
    assert m('not grade == "08"', grade="08") is False
    assert m('not not grade == "08"', grade="08") is True
    assert m('not (grade == "08")', grade="08") is False


def test_precedence_and_binds_tighter_than_or():
    a, b, c = 'grade == "a"', 'last_name == "b"', 'first_name == "c"'
    # a or (b and c): true when only a holds
    assert m(f"{a} or {b} and {c}", grade="a") is True
    assert m(f"({a} or {b}) and {c}", grade="a") is False
    # (a and b) or c: true when only c holds
    assert m(f"{a} and {b} or {c}", first_name="c") is True
    assert m(f"{a} and ({b} or {c})", first_name="c") is False


def test_precedence_not_binds_tighter_than_and():
    a, b = 'grade == "a"', 'last_name == "b"'
    # (not a) and b
    assert m(f"not {a} and {b}", grade="x", last_name="b") is True
    assert m(f"not {a} and {b}", grade="x", last_name="x") is False
    assert m(f"not ({a} and {b})", grade="x", last_name="x") is True
    # (not a) or b
    assert m(f"not {a} or {b}", grade="a", last_name="b") is True
    assert m(f"not ({a} or {b})", grade="a", last_name="b") is False


def test_parentheses_and_whitespace():
    expr = '((grade=="08"))and(last_name startswith"S"or\tfirst_name in("A",))'
    assert m(expr, grade="08", first_name="A") is True
    assert m(expr, grade="08", first_name="B") is False
    assert m("\n grade == '08' \n", grade="08") is True


def test_keywords_are_case_insensitive():
    expr = 'grade IN ("08") AND NOT last_name StartsWith "S" Or end_status == NULL'
    assert m(expr, grade="08", last_name="T", end_status="x") is True
    assert m(expr, grade="08", last_name="S", end_status="x") is False
    assert m(expr, grade="10", last_name="S") is True
    assert m('grade NOT IN ("08")', grade="09") is True
    assert m('grade Not In ("08")', grade="08") is False


def test_strings_and_escapes():
    assert m(r'last_name == "O\"Brien"', last_name='O"Brien') is True
    assert m(r"last_name == 'O\'Brien'", last_name="O'Brien") is True
    assert m("last_name == \"O'Brien\"", last_name="O'Brien") is True
    assert m("last_name == 'say \"hi\"'", last_name='say "hi"') is True
    assert m(r'last_name == "back\\slash"', last_name="back\\slash") is True
    assert m(r'last_name == "\'"', last_name="'") is True
    assert m('last_name == "and or not ( ) =="', last_name="and or not ( ) ==") is True
    assert m('last_name == "Ünal"', last_name="Ünal") is True
    assert m('last_name == ""', last_name="") is True


def test_long_flat_chains_do_not_recurse():
    expr = " or ".join(f'student_id == "{i}"' for i in range(400))
    assert len(expr) < 10_000
    f = parse_filter(expr)
    assert f.matches(rec(student_id="399")) is True
    assert f.matches(rec(student_id="400")) is False
    f = parse_filter(" and ".join(['grade != "x"'] * 580))
    assert f.matches(rec(grade="y")) is True


def test_nesting_up_to_the_limit():
    expr = "(" * 100 + 'grade == "1"' + ")" * 100
    assert m(expr, grade="1") is True
    expr = "not " * 100 + 'grade == "1"'
    assert m(expr, grade="1") is True
    expr = "(not " * 50 + 'grade == "1"' + ")" * 50
    assert m(expr, grade="1") is True


def test_length_up_to_the_limit():
    expr = 'grade == "' + "x" * (10_000 - 11) + '"'
    assert len(expr) == 10_000
    assert m(expr, grade="x" * (10_000 - 11)) is True


# --- errors -------------------------------------------------------------------------------------

ERRORS = [
    ('lastname == "S"', 1,
     "filter: unknown field 'lastname' at position 1; did you mean 'last_name'?"),
    ('grade == "08" and Last_Name == "S"', 19,
     ("filter: unknown field 'Last_Name' at position 19; did you mean 'last_name'? "
     "(field names are lower case)")),
    ('zzz == "S"', 1, "filter: unknown field 'zzz' at position 1; fields are "
     + ", ".join(FIELDS)),
    ("grade == 08", 10,
     'filter: grade is a text field: 08 is not a quoted string at position 10; write "08"'),
    ('birth_date > "2010-13-01"', 14,
     'filter: birth_date is a date field: "2010-13-01" is not a date YYYY-MM-DD at position 14'),
    ('birth_date > "2010-1-01"', 14,
     'filter: birth_date is a date field: "2010-1-01" is not a date YYYY-MM-DD at position 14'),
    ('birth_date in ("2010-01-01", "20100102")', 30,
     'filter: birth_date is a date field: "20100102" is not a date YYYY-MM-DD at position 30'),
    ("birth_date > 2010-01-01", 14,
     ("filter: birth_date is a date field: 2010 is not a quoted date at position 14; "
     'write "YYYY-MM-DD"')),
    ('graduation_cohort == "2030"', 22,
     ('filter: graduation_cohort is an int field: "2030" is a string at position 22; '
     "write 2030 without quotes")),
    ('graduation_cohort in (2030, "x")', 29,
     ('filter: graduation_cohort is an int field: "x" is a string at position 29; '
     "write an integer")),
    ("", 1, "filter: empty expression at position 1"),
    ("   \n ", 1, "filter: empty expression at position 1"),
    ('grade "08"', 7,
     ("filter: expected a comparison operator (==, !=, <, <=, >, >=, in, not in, startswith) "
     "after 'grade', found string \"08\" at position 7")),
    ("grade", 6,
     ("filter: expected a comparison operator (==, !=, <, <=, >, >=, in, not in, startswith) "
     "after 'grade', found end of input at position 6")),
    ('grade == "abc', 10,
     'filter: unterminated string at position 10; no closing " before the end of the expression'),
    ("grade == 'abc\\'", 10,
     ("filter: unterminated string at position 10; no closing ' before the end of the "
     "expression")),
    ('grade == "a\\', 10,
     'filter: unterminated string at position 10; no closing " before the end of the expression'),
    ('grade == "a\\nb"', 12,
     ("filter: unknown escape '\\n' in a string at position 12; only \\\", \\' and \\\\ are "
     "escapes")),
    ('(grade == "1"', 14,
     "filter: missing ')' for the '(' at character 1, found end of input at position 14"),
    ('(grade == "1" last_name == "x"', 15,
     "filter: missing ')' for the '(' at character 1, found 'last_name' at position 15"),
    ('grade in ("a", "b"', 19,
     "filter: missing ')' for the list at character 10, found end of input at position 19"),
    ('grade in ("a",', 15,
     "filter: missing ')' for the list at character 10, found end of input at position 15"),
    ('grade in ("a" "b")', 15,
     "filter: expected ',' or ')' in the list, found string \"b\" at position 15"),
    ('grade in (,)', 11, "filter: expected a value after 'in', found ',' at position 11"),
    ('grade in "a"', 10,
     ("filter: expected '(' to start the list after 'in', found string \"a\" at position 10; "
     'e.g. grade in ("a", "b")')),
    ('grade not "a"', 11,
     ("filter: expected 'in' after 'grade not', found string \"a\" at position 11; "
     "to negate a condition write 'not grade ...'")),
    ('grade == "1")', 13, "filter: unexpected ')' without a matching '(' at position 13"),
    ('grade == "1" last_name == "x"', 14,
     ("filter: unexpected 'last_name' after a complete expression at position 14; "
     "join conditions with 'and' or 'or'")),
    ('grade == "1" "2"', 14,
     ("filter: unexpected string \"2\" after a complete expression at position 14; "
     "join conditions with 'and' or 'or'")),
    ('grade == "1" and', 17, "filter: expected a condition, found end of input at position 17"),
    ('and grade == "1"', 1, "filter: expected a field name, found 'and' at position 1"),
    ('grade == "1" or or last_name == "x"', 17,
     "filter: expected a field name, found 'or' at position 17"),
    ("()", 2, "filter: expected a field name, found ')' at position 2"),
    ('"08" == grade', 1, "filter: expected a field name, found string \"08\" at position 1"),
    ("grade ==", 9, "filter: expected a value after '==', found end of input at position 9"),
    ("grade == (", 10, "filter: expected a value after '==', found '(' at position 10"),
    ("grade == Smith", 10,
     "filter: expected a value after '==', found 'Smith' at position 10; quote text: \"Smith\""),
    ("grade == next_grade", 10,
     ("filter: expected a value after '==', found field 'next_grade' at position 10; "
     "comparing two fields is not supported")),
    ('grade = "08"', 7, "filter: unexpected '=' at position 7; did you mean '=='?"),
    ('grade ! "08"', 7, "filter: unexpected '!' at position 7; did you mean '!=' or 'not'?"),
    ('grade == "1" && last_name == "x"', 14,
     "filter: unexpected character '&' at position 14; use 'and' / 'or'"),
    ('grade == "1" ; x', 14, "filter: unexpected character ';' at position 14"),
    ("grade < null", 9,
     ("filter: null can only be compared with == or !=, not '<' at position 9; "
     "an unset grade is never < a value")),
    ("graduation_cohort >= NULL", 22,
     ("filter: null can only be compared with == or !=, not '>=' at position 22; "
     "an unset graduation_cohort is never >= a value")),
    ('grade in ("08", null)', 17,
     ("filter: null is not allowed in an 'in' list at position 17; "
     "test unset values with 'grade == null'")),
    ("grade not in (null)", 15,
     ("filter: null is not allowed in a 'not in' list at position 15; "
     "test unset values with 'grade == null'")),
    ('birth_date startswith "2010"', 12,
     "filter: startswith needs a text field, but birth_date is a date field at position 12"),
    ("graduation_cohort startswith 20", 19,
     ("filter: startswith needs a text field, but graduation_cohort is an int field at "
     "position 19")),
    ("last_name startswith 5", 22,
     "filter: startswith needs a quoted string, found integer 5 at position 22"),
    ("last_name startswith null", 22,
     "filter: startswith needs a quoted string, found 'null' at position 22"),
    ("(" * 101 + 'grade == "1"' + ")" * 101, 101,
     ("filter: expression nested deeper than 100 levels at position 101; "
     "parentheses and 'not' count as levels")),
    ("not " * 101 + 'grade == "1"', 401,
     ("filter: expression nested deeper than 100 levels at position 401; "
     "parentheses and 'not' count as levels")),
    ('grade == "' + "x" * 10_000 + '"', 10_001,
     "filter: expression longer than 10000 characters (10011) at position 10001"),
]


@pytest.mark.parametrize("expr, position, message", ERRORS,
                         ids=[f"error{i}" for i in range(len(ERRORS))])
def test_errors(expr, position, message):
    with pytest.raises(FilterError) as info:
        parse_filter(expr)
    assert str(info.value) == message
    assert info.value.position == position
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, RolloverError)  # the CLI reports it with exit status 2


@pytest.mark.parametrize("literal", ["2147483648", "-2147483649", "99999999999999999999",
                                     "9" * 5000])
def test_integer_out_of_range_is_refused_with_its_position(literal):
    """Issue 11: a literal of thousands of digits ended in Python's own ValueError."""
    with pytest.raises(FilterError) as info:
        parse_filter(f"grade == \"09\" or graduation_cohort == {literal}")
    shown = literal if len(literal) <= 20 else literal[:20] + "…"
    assert str(info.value) == (f"filter: integer {shown} is out of range at position 39; "
                               "whole numbers are from -2147483648 to 2147483647")


def test_integers_at_the_ends_of_the_range_are_accepted():
    assert m("graduation_cohort > -2147483648", graduation_cohort=0) is True
    assert m("graduation_cohort < 2147483647", graduation_cohort=0) is True
    assert m("graduation_cohort == -" + "0" * 5000 + "2030", graduation_cohort=-2030) is True


def test_int_range_is_the_bundles():
    assert (INT_MIN, INT_MAX) == (bundle_values.INT_MIN, bundle_values.INT_MAX)


def test_error_pointer():
    with pytest.raises(FilterError) as info:
        parse_filter("grade == 08")
    assert info.value.pointer() == ["grade == 08", "         ^"]


# --- @FILE --------------------------------------------------------------------------------------

def test_student_id_list_filter():
    contents = "\ufeffS1\n  S2  \n\n# a comment\n   # indented comment\n\tS3\r\nS 4\n   \n"
    f = student_id_list_filter(contents, "ids.txt")
    assert f.text == "@ids.txt"
    assert f.fields == frozenset({"student_id"})
    for sid in ("S1", "S2", "S3", "S 4"):
        assert f.matches(rec(student_id=sid)) is True, sid
    for sid in ("S", " S2", "# a comment", "", None, "s1"):
        assert f.matches(rec(student_id=sid)) is False, sid
    assert f.matches({}) is False


def test_student_id_list_filter_empty():
    f = student_id_list_filter("# nobody\n\n", "none.txt")
    assert f.text == "@none.txt"
    assert f.matches(rec(student_id="S1")) is False


def test_filter_file_is_read_from_the_folder_given(tmp_path):
    (tmp_path / "ids.txt").write_text("S1\nS2\n", encoding="utf-8")
    f = compile_filter("@ids.txt", tmp_path)
    assert f.matches(rec(student_id="S2")) is True


@pytest.mark.parametrize("name", ["/dev/zero", "/dev/null", "folder", "pipe", "link"])
def test_filter_file_that_is_not_a_regular_file_is_refused(tmp_path, name):
    """Issue 11: `@/dev/zero` read until memory ran out, and a pipe waited for ever."""
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("/dev/zero")
    with pytest.raises(OptionError) as info:
        compile_filter(f"@{name}", tmp_path)
    assert str(info.value) == f"filter file {name!r} is not a regular file"


def test_filter_file_over_the_size_limit_is_refused(tmp_path):
    with (tmp_path / "big.txt").open("wb") as f:
        f.truncate(MAX_FILTER_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(OptionError) as info:
        compile_filter("@big.txt", tmp_path)
    assert str(info.value) == (f"filter file 'big.txt' holds {MAX_FILTER_FILE_BYTES + 1:,} "
                               "bytes; a file of student ids is at most 32 MiB")


def test_filter_file_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "ids.txt").write_bytes(b"S1\n\xff\n")
    with pytest.raises(OptionError) as info:
        compile_filter("@ids.txt", tmp_path)
    assert str(info.value).startswith("cannot read filter file 'ids.txt': ")


# --- property: the compiled filter agrees with a reference evaluator -------------------------

TEXT_VALUES = ["", "a", "A", "ab", "S", "Sm", "Smith", "08", "09", "1", 'q"x', "it's", "b\\s"]
INT_VALUES = [-3, -1, 0, 1, 2, 2030, 2031]
DATE_VALUES = [date(2009, 12, 31), date(2010, 1, 1), date(2010, 5, 1), date(2024, 8, 15)]
POOLS = {"text": TEXT_VALUES, "int": INT_VALUES, "date": DATE_VALUES}
OPS = {"text": ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "startswith"],
       "int": ["==", "!=", "<", "<=", ">", ">=", "in", "not in"],
       "date": ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]}
# a few fields of each kind keep the chance of hits high
PROPERTY_FIELDS = ["grade", "last_name", "school_id", "graduation_cohort", "birth_date",
                   "end_date"]


@st.composite
def records(draw):
    record = {}
    for name in PROPERTY_FIELDS:
        choice = draw(st.integers(0, 4))
        if choice == 0:
            continue  # missing: unset
        record[name] = None if choice == 1 else draw(st.sampled_from(POOLS[FIELDS[name]]))
    return record


@st.composite
def comparisons(draw):
    name = draw(st.sampled_from(PROPERTY_FIELDS))
    kind = FIELDS[name]
    op = draw(st.sampled_from(OPS[kind]))
    pool = st.sampled_from(POOLS[kind])
    if op in ("in", "not in"):
        value = tuple(draw(st.lists(pool, max_size=4)))
    elif op in ("==", "!=") and draw(st.booleans()):
        value = None
    else:
        value = draw(pool)
    return ("cmp", name, op, value)


def trees(depth=0):
    if depth >= 4:
        return comparisons()
    sub = st.deferred(lambda: trees(depth + 1))
    return st.one_of(
        comparisons(),
        st.tuples(st.just("not"), sub),
        st.tuples(st.just("and"), st.lists(sub, min_size=2, max_size=3)),
        st.tuples(st.just("or"), st.lists(sub, min_size=2, max_size=3)),
    )


def reference(tree, record) -> bool:
    """The meaning of a tree, spelled out plainly."""
    tag = tree[0]
    if tag == "not":
        return not reference(tree[1], record)
    if tag == "and":
        return all(reference(t, record) for t in tree[1])
    if tag == "or":
        return any(reference(t, record) for t in tree[1])
    _, name, op, value = tree
    v = record.get(name)
    if op == "==":
        return v is None if value is None else (v is not None and v == value)
    if op == "!=":
        return v is not None if value is None else (v is None or v != value)
    if op == "in":
        return v is not None and v in value
    if op == "not in":
        return v is None or v not in value
    if v is None:
        return False
    if op == "startswith":
        return v.startswith(value)
    return {"<": v < value, "<=": v <= value, ">": v > value, ">=": v >= value}[op]


def render_literal(draw, value) -> str:
    if value is None:
        return draw(st.sampled_from(["null", "NULL", "Null"]))
    if isinstance(value, int):
        return str(value)
    text = value.isoformat() if isinstance(value, date) else value
    quote = draw(st.sampled_from(['"', "'"]))
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return quote + body + quote


def keyword(draw, word: str) -> str:
    return draw(st.sampled_from([word, word.upper(), word.capitalize()]))


PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4}


def render(draw, tree, parent: int = 0) -> str:
    tag = tree[0]
    sp = lambda: draw(st.sampled_from([" ", "  ", "\t", "\n "]))
    if tag == "cmp":
        _, name, op, value = tree
        if op in ("in", "not in"):
            items = [render_literal(draw, v) for v in value]
            inner = ", ".join(items)
            if len(items) == 1 and draw(st.booleans()):
                inner += ","
            op_text = " ".join(keyword(draw, w) for w in op.split())
            text = f"{name}{sp()}{op_text}{sp()}({inner})"
        else:
            op_text = keyword(draw, op) if op == "startswith" else op
            text = f"{name}{sp()}{op_text}{sp()}{render_literal(draw, value)}"
    elif tag == "not":
        text = f"{keyword(draw, 'not')}{sp()}{render(draw, tree[1], PRECEDENCE['not'])}"
    else:
        joiner = f"{sp()}{keyword(draw, tag)}{sp()}"
        text = joiner.join(render(draw, t, PRECEDENCE[tag]) for t in tree[1])
    needs_parens = PRECEDENCE[tag] < parent or (tag != "cmp" and PRECEDENCE[tag] == parent)
    if needs_parens or draw(st.integers(0, 5)) == 0:  # sometimes redundant parentheses
        text = f"({text})"
    return text


@st.composite
def expressions(draw):
    tree = draw(trees())
    return tree, render(draw, tree)


@pytest.mark.slow  # a hypothesis run
@settings(max_examples=400, deadline=None)
@given(expressions(), st.lists(records(), min_size=1, max_size=8))
def test_compiled_filter_agrees_with_reference(expression, sample):
    tree, text = expression
    f = parse_filter(text)
    for record in sample:
        assert f.matches(record) is reference(tree, record), (text, record)


@pytest.mark.slow  # a hypothesis run
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_is_refused_cleanly(text):
    try:
        f = parse_filter(text)
    except FilterError as exc:
        assert str(exc).startswith("filter: ")
        assert 1 <= exc.position <= len(text) + 1
    else:
        assert isinstance(f.matches(rec()), bool)
