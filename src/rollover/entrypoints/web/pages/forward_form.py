"""The roll forward editor's form (docs/roll-forward.md §1): its values as the browser sends
them, the params of a forward job made of them (as `POST /api/v1/forward` takes), and where on
the form each refusal of those options is shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from ....domain.filter import FilterError
from ....errors import RolloverError

LISTS = ("source_calendars", "source_grades", "service_types")
TEXTS = ("filter", "source_structure", "local_start_status", "dest_calendar", "dest_structure",
         "dest_grade", "start_date")
FLAGS = ("allow_duplicate_primary", "include_last_day_enders")
DEFAULTS = {"source_calendars": [], "source_grades": [], "service_types": ["primary"],
            **{name: "" for name in TEXTS}, **{name: False for name in FLAGS}}

# Which field a refusal concerns, by what its message names; the first that matches wins (a
# destination structure "needs a destination calendar": the structure's field).
FIELD_WORDS = (
    ("dest_structure", ("destination structure", "--dest-structure")),
    ("dest_grade", ("destination grade", "--dest-grade")),
    ("dest_calendar", ("destination calendar",)),
    ("source_calendars", ("source calendar", "'source_calendars'")),
    ("source_structure", ("source structure",)),
    ("source_grades", ("source grade",)),
    ("service_types", ("service type",)),
    ("local_start_status", ("local start status",)),
    ("start_date", ("start_date", "start date")),
    ("filter", ("filter",)),
)


def form_values(sent) -> dict:
    """The editor's values from a form or a query string (a multi-dict); a value not sent is
    its default (a form never sent at all: primary service only)."""
    values = dict(DEFAULTS)
    for name in LISTS:
        if name in sent:
            values[name] = [v for v in sent.getlist(name) if isinstance(v, str) and v.strip()]
    for name in TEXTS:
        value = sent.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    if any(name in sent for name in (*LISTS, *TEXTS)):  # a form sent: unticked boxes are off
        for name in FLAGS:
            values[name] = sent.get(name) in ("on", "true", "yes", "1")
        if "service_types" not in sent:
            values["service_types"] = []
    return values


def stored_values(options: dict) -> dict:
    """The editor's values of a run's stored options (to run them again)."""
    values = dict(DEFAULTS)
    for name in LISTS:
        values[name] = list(options.get(name) or [])
    for name in TEXTS:
        values[name] = options.get(name) or ""
    for name in FLAGS:
        values[name] = bool(options.get(name))
    return values


def job_params(values: dict, *, test: bool) -> dict:
    """The params of a forward job: the values given, nothing for an empty text."""
    params = {name: values[name] for name in (*LISTS, *FLAGS)}
    params.update({name: values[name] for name in TEXTS if values[name]})
    params["test"] = test
    return params


@dataclass
class Refusals:
    """A refusal of the options, each problem beside the field it concerns (`by_field`), the
    others above the form; a filter's with where in it the problem is."""

    message: str = ""
    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    filter_at: tuple[str, str, str] | None = None  # the filter before, at and after the problem

    def __bool__(self) -> bool:
        return bool(self.message)


def refusals_of(error: RolloverError) -> Refusals:
    found = Refusals(message=str(error))
    if isinstance(error, FilterError):
        found.by_field["filter"] = [str(error)]
        if error.expression and "\n" not in error.expression:
            at = max(error.position - 1, 0)
            text = error.expression
            found.filter_at = (text[:at], text[at:at + 1] or " ", text[at + 1:])
        return found
    problems = [line.strip() for line in error.details() if line.strip()] or [str(error)]
    for problem in problems:
        lowered = problem.lower()
        for name, words in FIELD_WORDS:
            if any(word in lowered for word in words):
                found.by_field.setdefault(name, []).append(problem)
                break
        else:
            found.general.append(problem)
    return found
