"""The year-end process's steps and their states: `GET /process` (as `rollover process status
--json`).  A read any signed-in user may make, as on the command line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ...services import process
from .auth import User
from .context import District
from .problems import responses

router = APIRouter(tags=["year-end process"])


class Step(BaseModel):
    step: str
    state: str
    detail: str | None
    requires: list[str] | None = None  # a module's prerequisites


class ProcessStatus(BaseModel):
    school_year: int
    state: str
    backup_id: str | None
    steps: list[Step]
    running: dict[str, Any] | None


@router.get("/process", response_model=ProcessStatus, response_model_exclude_unset=True,
            responses=responses(400, 401))
def status(engine: District, _user: User,
           year: Annotated[int | None, Query(description="The school year being closed "
                                             "(default: the district's current one).")] = None):
    """Each step of the year-end process (lock, quiet, backup, every module, switch) with its
    state, and the step running now."""
    return process.status(engine, year=year)
