"""A roll forward's report as data (RF-25): the run, its new enrollments and warnings, and the
students and catalog that name them.  `reports/forward.py` renders it."""

from __future__ import annotations

from dataclasses import dataclass

from ..people import Student
from ..runs import RunRecord
from ..snapshot import Catalog
from .enroll import NewEnrollment
from .plan import ForwardWarning


@dataclass
class ForwardReport:
    run: RunRecord
    rolled: list[NewEnrollment]
    warnings: list[ForwardWarning]
    students: dict[str, Student]
    catalog: Catalog

    @property
    def totals(self) -> dict:
        return self.run.counts
