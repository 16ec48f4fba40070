"""The readiness check's text report (YE-1), from the object `check --json` prints."""

from __future__ import annotations

from collections.abc import Iterator

from .counts import by_code

NOT_RECORDED = ("rollover: this user may only read the store: the check was not recorded as a "
                "run")


def check_text(report: dict) -> Iterator[str]:
    """The summary first (the counts, then the findings per code, most frequent first), then the
    findings grouped by severity; `report` is the `--json` object (its run_id None when the
    check was not recorded)."""
    from ..domain.readiness import ERROR, WARNING, school_year_label  # loaded when shown

    year = report["year"]
    run = f", run {report['run_id']}" if report.get("run_id") else ""
    yield f"Readiness check of school year {year} ({school_year_label(year)}){run}"
    findings = report["findings"]
    if not findings:
        yield f"No findings: school year {year} is ready to roll."
        return
    yield counted(report["errors"], report["warnings"])
    yield ""
    yield "Findings by code, most frequent first:"
    yield from by_code((f["code"], f["severity"]) for f in findings)
    for severity, title in ((ERROR, "Errors"), (WARNING, "Warnings")):
        shown = [f for f in findings if f["severity"] == severity]
        if shown:
            yield ""
            yield f"{title} ({len(shown)}):"
            for f in shown:
                yield f"  {f['code']}: {f['message']}"


def counted(errors: int, warnings: int) -> str:
    """The summary line, e.g. "2 errors, 5 warnings"."""
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
