"""The roll forward's ad hoc student filter (`--filter EXPR` or `--filter @FILE`).

A small, safe expression language, parsed by hand (tokenizer, recursive-descent parser) and
compiled once into nested closures; nothing is ever handed to Python's `eval` or pasted into SQL.

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | "(" or ")" | comparison
    comparison := FIELD ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
                | FIELD ["not"] "in" "(" [literal ("," literal)* [","]] ")"
                | FIELD "startswith" STRING
    literal    := STRING | INTEGER | "null"

Keywords (`and or not in startswith null`) are case-insensitive; field names are the lower-case
names of `FIELDS`.  Strings take double or single quotes with the escapes \\" \\' \\\\; integers
may be negative, from INT_MIN to INT_MAX.  Literals are checked against the field's kind when
parsing: a text field takes a string, an int field an integer, a date field a string
`YYYY-MM-DD`; `null` (an unset value) only with `==` and `!=`; `startswith` only on text fields.

An unset field (None, or missing from the record) equals only `null`; it is unequal to every
other literal, never ordered (`<`, `<=`, `>`, `>=` and `startswith` are false), never `in` a list
and always `not in` it.  String comparisons are exact (case-sensitive) and ordered by code point.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ..errors import RolloverError

__all__ = ["FIELDS", "INT_MAX", "INT_MIN", "MAX_DEPTH", "MAX_LENGTH", "FilterError",
           "StudentFilter", "one_student_expression", "parse_filter", "quoted",
           "student_id_list_filter"]

TEXT = "text"
DATE = "date"
INT = "int"

# Field name -> kind.  Kinds follow bundle/format.py (ids and enums compare as text).
FIELDS: dict[str, str] = {
    # students.csv
    "student_id": TEXT,
    "student_number": TEXT,
    "last_name": TEXT,
    "first_name": TEXT,
    "birth_date": DATE,
    # enrollments.csv
    "enrollment_id": TEXT,
    "calendar_id": TEXT,
    "structure_id": TEXT,
    "grade": TEXT,
    "service_type": TEXT,
    "start_date": DATE,
    "end_date": DATE,
    "end_status": TEXT,
    "end_action": TEXT,
    "next_calendar_id": TEXT,
    "next_structure_id": TEXT,
    "next_grade": TEXT,
    "local_start_status": TEXT,
    "graduation_cohort": INT,
    # the school of the enrollment's calendar
    "school_id": TEXT,
}

MAX_LENGTH = 10_000  # characters of an expression
MAX_DEPTH = 100  # nesting of parentheses and `not`
# An int field's range: the bundle's whole-number columns (bundle/values.py; a test keeps them
# equal).  A literal outside it could never match, and thousands of digits are more than Python
# converts.
INT_MIN, INT_MAX = -2**31, 2**31 - 1

KEYWORDS = frozenset({"and", "or", "not", "in", "startswith", "null"})
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_OPERATOR_LIST = "==, !=, <, <=, >, >=, in, not in, startswith"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_ARTICLE = {TEXT: "a text", DATE: "a date", INT: "an int"}

Predicate = Callable[[Mapping[str, object]], bool]


class FilterError(RolloverError, ValueError):
    """A refused filter expression; `str()` is the whole message, `position` counts from 1."""

    def __init__(self, problem: str, position: int, expression: str = "", hint: str = ""):
        message = f"filter: {problem} at position {position}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)
        self.position = position
        self.expression = expression

    def pointer(self) -> list[str]:
        """The expression and a caret under the position (for a terminal), or [] if unknown."""
        if not self.expression or "\n" in self.expression:
            return []
        return [self.expression, " " * (self.position - 1) + "^"]

    def details(self) -> list[str]:
        return [f"  {line}" for line in self.pointer()]


class StudentFilter:
    """A compiled filter: `matches(record)` for a mapping of field name -> str/int/date/None.

    A field missing from the record counts as unset.  A date field's value may also be an ISO
    string or a datetime (it is converted).
    """

    __slots__ = ("_predicate", "fields", "text")

    text: str
    fields: frozenset[str]

    def __init__(self, text: str, fields: frozenset[str], predicate: Predicate):
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "fields", frozenset(fields))
        object.__setattr__(self, "_predicate", predicate)

    def __setattr__(self, name, value):
        raise AttributeError("StudentFilter is immutable")

    def __delattr__(self, name):
        raise AttributeError("StudentFilter is immutable")

    def matches(self, record: Mapping[str, object]) -> bool:
        return self._predicate(record)

    @property
    def predicate(self) -> Predicate:
        """The compiled function itself, `predicate(record) == matches(record)`, for hot loops."""
        return self._predicate

    def __repr__(self) -> str:
        return f"StudentFilter({self.text!r})"


# --- tokens -------------------------------------------------------------------------------------

# Token kinds
WORD = "word"  # a field name or a keyword (value: as written)
STRING = "string"  # value: the decoded string
INTEGER = "integer"  # value: the int
OP = "op"  # value: one of COMPARISONS
PUNCT = "punct"  # value: "(", ")" or ","
END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: object
    position: int  # from 1
    source: str  # the characters as written

    @property
    def keyword(self) -> str | None:
        if self.kind == WORD:
            lowered = self.source.lower()
            if lowered in KEYWORDS:
                return lowered
        return None

    def describe(self) -> str:
        if self.kind == END:
            return "end of input"
        if self.kind == STRING:
            return f"string {self.source}"
        if self.kind == INTEGER:
            return f"integer {self.source}"
        return f"'{self.source}'"


_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_WORD_CHARS = _WORD_START | frozenset("0123456789")
_DIGITS = frozenset("0123456789")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an END token; FilterError for a bad character or string."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if c in _WORD_START:
            while i < n and text[i] in _WORD_CHARS:
                i += 1
            tokens.append(Token(WORD, text[start:i], start + 1, text[start:i]))
        elif c in _DIGITS or (c == "-" and i + 1 < n and text[i + 1] in _DIGITS):
            i += 1
            while i < n and text[i] in _DIGITS:
                i += 1
            tokens.append(Token(INTEGER, _integer(text, start, i), start + 1, text[start:i]))
        elif c in "\"'":
            quote = c
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise FilterError("unterminated string", start + 1, text,
                                      f"no closing {quote} before the end of the expression")
                c = text[i]
                if c == quote:
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= n:
                        raise FilterError("unterminated string", start + 1, text,
                                          f"no closing {quote} before the end of the expression")
                    escaped = text[i + 1]
                    if escaped not in _ESCAPES:
                        raise FilterError(f"unknown escape '\\{escaped}' in a string", i + 1, text,
                                          "only \\\", \\' and \\\\ are escapes")
                    chars.append(_ESCAPES[escaped])
                    i += 2
                else:
                    chars.append(c)
                    i += 1
            tokens.append(Token(STRING, "".join(chars), start + 1, text[start:i]))
        elif c in "<>=!":
            two = text[i:i + 2]
            if two in ("==", "!=", "<=", ">="):
                i += 2
                tokens.append(Token(OP, two, start + 1, two))
            elif c in "<>":
                i += 1
                tokens.append(Token(OP, c, start + 1, c))
            elif c == "=":
                raise FilterError("unexpected '='", start + 1, text, "did you mean '=='?")
            else:
                raise FilterError("unexpected '!'", start + 1, text,
                                  "did you mean '!=' or 'not'?")
        elif c in "(),":
            i += 1
            tokens.append(Token(PUNCT, c, start + 1, c))
        else:
            hint = ""
            if c in "&|":
                hint = "use 'and' / 'or'"
            raise FilterError(f"unexpected character {c!r}", start + 1, text, hint)
    tokens.append(Token(END, None, n + 1, ""))
    return tokens


def _integer(text: str, start: int, end: int) -> int:
    """The integer literal text[start:end], refused outside INT_MIN..INT_MAX."""
    literal = text[start:end]
    digits = literal.lstrip("-0") or "0"  # past ten digits out of range, whatever they are
    value = int(literal[:1] + digits if literal[:1] == "-" else digits) \
        if len(digits) <= 10 else None
    if value is None or not INT_MIN <= value <= INT_MAX:
        shown = literal if len(literal) <= 20 else literal[:20] + "…"
        raise FilterError(f"integer {shown} is out of range", start + 1, text,
                          f"whole numbers are from {INT_MIN} to {INT_MAX}")
    return value


# --- syntax tree ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: str  # one of COMPARISONS, "in", "not in", "startswith"
    value: object  # str / int / date / None (null) / frozenset for in-lists


@dataclass(frozen=True, slots=True)
class Not:
    operand: object


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple


# --- parser ---------------------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.fields: set[str] = set()

    # helpers
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != END:
            self.index += 1
        return token

    def error(self, problem: str, token_or_position, hint: str = "") -> FilterError:
        position = (token_or_position.position if isinstance(token_or_position, Token)
                    else token_or_position)
        return FilterError(problem, position, self.text, hint)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels", token,
                             "parentheses and 'not' count as levels")

    # grammar
    def parse(self):
        if self.current.kind == END:
            raise self.error("empty expression", 1)
        node = self.parse_or()
        token = self.current
        if token.kind != END:
            if token.kind == PUNCT and token.value == ")":
                raise self.error("unexpected ')' without a matching '('", token)
            raise self.error(f"unexpected {token.describe()} after a complete expression", token,
                             "join conditions with 'and' or 'or'")
        return node

    def parse_or(self):
        operands = [self.parse_and()]
        while self.current.keyword == "or":
            self.advance()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self):
        operands = [self.parse_not()]
        while self.current.keyword == "and":
            self.advance()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self):
        token = self.current
        if token.keyword == "not":
            self.enter(token)
            self.advance()
            node = Not(self.parse_not())
            self.depth -= 1
            return node
        if token.kind == PUNCT and token.value == "(":
            self.enter(token)
            self.advance()
            node = self.parse_or()
            closing = self.current
            if not (closing.kind == PUNCT and closing.value == ")"):
                raise self.error(f"missing ')' for the '(' at character {token.position}, "
                                 f"found {closing.describe()}", closing)
            self.advance()
            self.depth -= 1
            return node
        return self.parse_comparison()

    def parse_comparison(self):
        token = self.advance()
        if token.kind != WORD or token.keyword is not None:
            if token.kind == END:
                raise self.error("expected a condition, found end of input", token)
            raise self.error(f"expected a field name, found {token.describe()}", token)
        name = token.source
        kind = FIELDS.get(name)
        if kind is None:
            raise self.error(f"unknown field '{name}'", token, _suggest_field(name))
        self.fields.add(name)

        op_token = self.advance()
        keyword = op_token.keyword
        if op_token.kind == OP:
            literal = self.current
            value = self.parse_literal(name, kind, op_token.source)
            if value is None and op_token.value not in ("==", "!="):
                raise self.error(f"null can only be compared with == or !=, not "
                                 f"'{op_token.value}'", literal,
                                 f"an unset {name} is never {op_token.value} a value")
            return Compare(name, op_token.value, value)
        if keyword == "in":
            return Compare(name, "in", self.parse_list(name, kind, "in"))
        if keyword == "not":
            in_token = self.advance()
            if in_token.keyword != "in":
                raise self.error(f"expected 'in' after '{name} not', found "
                                 f"{in_token.describe()}", in_token,
                                 f"to negate a condition write 'not {name} ...'")
            return Compare(name, "not in", self.parse_list(name, kind, "not in"))
        if keyword == "startswith":
            if kind != TEXT:
                raise self.error(f"startswith needs a text field, but {name} is "
                                 f"{_ARTICLE[kind]} field", op_token)
            literal = self.advance()
            if literal.kind != STRING:
                raise self.error(f"startswith needs a quoted string, found {literal.describe()}",
                                 literal)
            return Compare(name, "startswith", literal.value)
        raise self.error(f"expected a comparison operator ({_OPERATOR_LIST}) after '{name}', "
                         f"found {op_token.describe()}", op_token)

    def parse_list(self, name: str, kind: str, op: str) -> frozenset:
        opening = self.advance()
        if not (opening.kind == PUNCT and opening.value == "("):
            raise self.error(f"expected '(' to start the list after '{op}', found "
                             f"{opening.describe()}", opening, f'e.g. {name} {op} ("a", "b")')
        values = []
        while True:
            token = self.current
            if token.kind == PUNCT and token.value == ")":
                self.advance()
                return frozenset(values)
            if token.kind == END:
                raise self.error(f"missing ')' for the list at character {opening.position}, "
                                 "found end of input", token)
            if token.keyword == "null":
                article = "an" if op == "in" else "a"
                raise self.error(f"null is not allowed in {article} '{op}' list", token,
                                 f"test unset values with '{name} == null'")
            values.append(self.parse_literal(name, kind, op))
            separator = self.current
            if separator.kind == PUNCT and separator.value == ",":
                self.advance()
                continue
            if separator.kind == PUNCT and separator.value == ")":
                continue
            if separator.kind == END:
                raise self.error(f"missing ')' for the list at character {opening.position}, "
                                 "found end of input", separator)
            raise self.error(f"expected ',' or ')' in the list, found {separator.describe()}",
                             separator)

    def parse_literal(self, name: str, kind: str, op: str):
        """The value of the literal at the current token for field `name` (None for null)."""
        token = self.advance()
        if token.keyword == "null":
            return None
        if token.kind == STRING:
            if kind == TEXT:
                return token.value
            if kind == DATE:
                text = token.value
                if _ISO_DATE.match(text):
                    try:
                        return date.fromisoformat(text)
                    except ValueError:
                        pass
                raise self.error(f"{name} is a date field: {token.source} is not a date "
                                 "YYYY-MM-DD", token)
            raise self.error(f"{name} is an int field: {token.source} is a string", token,
                             f"write {_unquoted_int(token.value)} without quotes"
                             if _unquoted_int(token.value) else "write an integer")
        if token.kind == INTEGER:
            if kind == INT:
                return token.value
            if kind == TEXT:
                raise self.error(f"{name} is a text field: {token.source} is not a quoted string",
                                 token, f'write "{token.source}"')
            raise self.error(f"{name} is a date field: {token.source} is not a quoted date",
                             token, 'write "YYYY-MM-DD"')
        if token.kind == WORD and token.keyword is None:
            if token.source in FIELDS:
                raise self.error(f"expected a value after '{op}', found field '{token.source}'",
                                 token, "comparing two fields is not supported")
            hint = f'quote text: "{token.source}"' if kind == TEXT else ""
            raise self.error(f"expected a value after '{op}', found '{token.source}'", token, hint)
        if token.kind == END:
            raise self.error(f"expected a value after '{op}', found end of input", token)
        raise self.error(f"expected a value after '{op}', found {token.describe()}", token)


def _unquoted_int(text: str) -> str:
    return text.strip() if re.fullmatch(r"\s*-?\d+\s*", text) else ""


def _suggest_field(name: str) -> str:
    for candidate in (name, name.lower()):
        if candidate in FIELDS:
            return f"did you mean '{candidate}'? (field names are lower case)"
    close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "fields are " + ", ".join(FIELDS)


# --- compiler -------------------------------------------------------------------------------------

def _as_date(value):
    """A date field's record value as a date (None stays None)."""
    if value is None or value.__class__ is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TypeError(f"filter: a date field holds {value!r}")


def _compile_compare(node: Compare) -> Predicate:
    name, op, lit = node.field, node.op, node.value
    if FIELDS[name] == DATE:
        return _compile_date_compare(name, op, lit)
    # text and int fields: the record holds the value as is
    if op == "==":
        if lit is None:
            return lambda r: r.get(name) is None
        return lambda r: r.get(name) == lit
    if op == "!=":
        if lit is None:
            return lambda r: r.get(name) is not None
        return lambda r: r.get(name) != lit
    if op == "in":
        return lambda r: r.get(name) in lit
    if op == "not in":
        return lambda r: r.get(name) not in lit
    if op == "startswith":
        def startswith(r):
            v = r.get(name)
            return v is not None and v.startswith(lit)
        return startswith
    if op == "<":
        def lt(r):
            v = r.get(name)
            return v is not None and v < lit
        return lt
    if op == "<=":
        def le(r):
            v = r.get(name)
            return v is not None and v <= lit
        return le
    if op == ">":
        def gt(r):
            v = r.get(name)
            return v is not None and v > lit
        return gt
    if op == ">=":
        def ge(r):
            v = r.get(name)
            return v is not None and v >= lit
        return ge
    raise AssertionError(op)  # pragma: no cover


def _compile_date_compare(name: str, op: str, lit) -> Predicate:
    if lit is None:
        if op == "==":
            return lambda r: r.get(name) is None
        return lambda r: r.get(name) is not None
    if op == "in":
        return lambda r: _as_date(r.get(name)) in lit
    if op == "not in":
        return lambda r: _as_date(r.get(name)) not in lit
    if op == "==":
        return lambda r: _as_date(r.get(name)) == lit
    if op == "!=":
        return lambda r: _as_date(r.get(name)) != lit
    if op == "<":
        def lt(r):
            v = _as_date(r.get(name))
            return v is not None and v < lit
        return lt
    if op == "<=":
        def le(r):
            v = _as_date(r.get(name))
            return v is not None and v <= lit
        return le
    if op == ">":
        def gt(r):
            v = _as_date(r.get(name))
            return v is not None and v > lit
        return gt
    if op == ">=":
        def ge(r):
            v = _as_date(r.get(name))
            return v is not None and v >= lit
        return ge
    raise AssertionError(op)  # pragma: no cover


def _compile(node) -> Predicate:
    if isinstance(node, Compare):
        return _compile_compare(node)
    if isinstance(node, Not):
        inner = _compile(node.operand)
        return lambda r: not inner(r)
    if isinstance(node, And):
        parts = tuple(_compile(n) for n in node.operands)
        if len(parts) == 2:
            a, b = parts
            return lambda r: a(r) and b(r)

        def all_of(r):
            for p in parts:
                if not p(r):
                    return False
            return True
        return all_of
    if isinstance(node, Or):
        parts = tuple(_compile(n) for n in node.operands)
        if len(parts) == 2:
            a, b = parts
            return lambda r: a(r) or b(r)

        def any_of(r):
            for p in parts:
                if p(r):
                    return True
            return False
        return any_of
    raise AssertionError(node)  # pragma: no cover


# --- entry points ---------------------------------------------------------------------------------

def parse_tree(text: str):
    """The syntax tree of `text` (Compare / Not / And / Or) and the fields it reads."""
    if not isinstance(text, str):
        raise TypeError("filter: the expression must be a str")
    if len(text) > MAX_LENGTH:
        raise FilterError(f"expression longer than {MAX_LENGTH} characters ({len(text)})",
                          MAX_LENGTH + 1, "")
    parser = _Parser(text)
    tree = parser.parse()
    return tree, frozenset(parser.fields)


def parse_filter(text: str) -> StudentFilter:
    """Parse and compile a `--filter` expression; FilterError names the problem and position."""
    tree, fields = parse_tree(text)
    return StudentFilter(text, fields, _compile(tree))


def quoted(text: str) -> str:
    """`text` as a string of the filter language, its quotes and backslashes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def one_student_expression(student_id: str) -> str:
    """The filter that keeps only the student `student_id` (a one-student Run Test)."""
    return f"student_id == {quoted(student_id)}"


def student_id_list_filter(text: str, origin: str) -> StudentFilter:
    """A filter for the contents of an @FILE: student ids one a line.

    Blank lines and surrounding whitespace are ignored, lines starting with '#' are comments.
    """
    ids = set()
    for line in text.lstrip("\ufeff").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.add(line)
    frozen = frozenset(ids)
    return StudentFilter("@" + origin, frozenset({"student_id"}),
                         lambda r: r.get("student_id") in frozen)
