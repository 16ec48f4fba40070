"""What the district is: `/district`, `/schools`, `/calendars`, the readiness check (`/check`,
as `rollover check --json`) and the projection (`/projection`).  Reads any signed-in user may
make, as on the command line."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ...services import district_info, projection as projected, readiness
from .auth import User
from .context import District
from .paging import FIRST, PER_PAGE, Page, PageNumber, PerPage
from .problems import responses

router = APIRouter(tags=["district"])
READ_PROBLEMS = responses(400, 401)


class DistrictInfo(BaseModel):
    name: str | None
    current_school_year: int | None
    locked: bool
    settings: dict[str, bool]


class School(BaseModel):
    school_id: str
    name: str | None
    next_school_id: str | None


class Grade(BaseModel):
    grade: str
    sequence: int | None
    state_grade: str | None
    requires_student_assignment: bool | None


class Structure(BaseModel):
    structure_id: str
    name: str | None
    grades: list[Grade]


class Calendar(BaseModel):
    calendar_id: str
    school_id: str
    school_name: str | None
    school_year: int
    name: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    requires_student_assignment: bool | None
    structures: list[Structure]


class Finding(BaseModel):
    code: str
    severity: str
    message: str
    records: dict[str, list[str]]


class Check(BaseModel):
    run_id: str | None
    year: int
    errors: int
    warnings: int
    findings: list[Finding]


class GradeCount(BaseModel):
    grade: str
    current: int
    projected: int


class ProjectedSchool(BaseModel):
    school_id: str
    name: str | None
    grades: list[GradeCount]


class Flow(BaseModel):
    from_school_id: str
    to_school_id: str
    count: int


class Projection(BaseModel):
    year: int
    schools: list[ProjectedSchool]
    flows: list[Flow]


Year = Annotated[int, Query(description="A school year, named by the year it ends (2027).")]


@router.get("/district", response_model=DistrictInfo, responses=READ_PROBLEMS)
def district(engine: District, _user: User):
    """The district's name, current school year, maintenance lock and settings."""
    return district_info.district_info(engine)


@router.get("/schools", response_model=Page[School], responses=READ_PROBLEMS)
def schools(engine: District, _user: User, page: PageNumber = FIRST, per_page: PerPage = PER_PAGE):
    """The district's schools, by id."""
    return district_info.schools(engine, page=page, per_page=per_page).as_json()


@router.get("/calendars", response_model=Page[Calendar], responses=READ_PROBLEMS)
def calendars(engine: District, _user: User, year: Year | None = None, page: PageNumber = FIRST,
              per_page: PerPage = PER_PAGE):
    """The calendars of a school year (every year without `year`) with structures and grades."""
    return district_info.calendars(engine, year, page=page, per_page=per_page).as_json()


@router.get("/check", response_model=Check, responses=READ_PROBLEMS)
def check(engine: District, user: User, year: Year):
    """The readiness check (YE-1) of rolling `year` forward, as `rollover check --json`; like
    the command it stores its own run record."""
    return readiness.check_readiness(engine, year, user=user).as_json()


@router.get("/projection", response_model=Projection, responses=responses(400, 401, 404))
def projection(engine: District, _user: User,
               year: Annotated[int | None, Query(description="The projected school year "
                                                 "(default: the year after the current one).")]
               = None,
               run: Annotated[str | None, Query(description="A Run Test whose proposed "
                                                "enrollments count as if it had run.")]
               = None):
    """Next year's enrollment per school and grade against this year's, and the flows of
    students between schools."""
    return projected.projection(engine, year, run)
