"""The enrollment roll forward (the rules RF-1..RF-26 of docs/rules.md), as pure functions.

`plan.plan_forward(snapshot, settings)` decides every candidate enrollment; each rule lives in one
module, its id in the comment beside it:

- `options.py`   RF-16c, RF-18, RF-26: the run's options, checked and resolved
- `select.py`    RF-1, RF-2: which enrollments are candidates and which of them roll
- `place.py`     RF-3 .. RF-16: where a student goes (whose boundary holds a household,
                 street ranges or attendance areas: `domain/boundaries.py`, `domain/areas.py`)
- `enroll.py`    RF-17 .. RF-20: what a new enrollment gets
- `ledger.py`    RF-21, RF-22: duplicates and re-runs
- `plan.py`      the whole run, MULTIPLE_DESTINATIONS and the totals of RF-25
- `report.py`    RF-25's report as data (`reports/forward.py` renders it)
- `common_case.py` a second path for the common case (RF-8 in the same school): which runs and
                 enrollments it covers and why the rules above decide them alike; the database
                 picks them (`store/common_case.py`), the pure rules decide the rest
"""
