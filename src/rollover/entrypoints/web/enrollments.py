"""The per-student exceptions an admin sets before the roll: `PATCH /enrollments/{id}` sets an
enrollment's next-year fields through the service `rollover edit` calls, with its checks, its
right (the enrollments' module's), its audit and its run (which `rollover undo` puts back)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...reports.edits import edit_json
from ...services.edits import edit_record
from .auth import User
from .context import District
from .problems import responses

router = APIRouter(tags=["enrollments"])

NEXT_YEAR_FIELDS = ("next_calendar_id", "next_structure_id", "next_grade", "end_action")


class NextYear(BaseModel):
    """The fields to set; null clears one.  Values are checked as `rollover edit` checks them."""

    model_config = ConfigDict(extra="forbid")
    next_calendar_id: str | None = None
    next_structure_id: str | None = None
    next_grade: str | None = None
    end_action: str | None = Field(None, description="promote, retain or demote")

    @model_validator(mode="after")
    def _something(self):
        if not self.model_fields_set:
            raise ValueError("nothing to change: give one or more of "
                             + ", ".join(NEXT_YEAR_FIELDS))
        return self

    def changes(self) -> dict[str, str]:
        """As `rollover edit --set COLUMN=VALUE` takes them: text, empty to clear."""
        return {name: getattr(self, name) or "" for name in NEXT_YEAR_FIELDS
                if name in self.model_fields_set}


class Edited(BaseModel):
    table: str
    before: dict[str, Any]
    after: dict[str, Any]
    run_id: str


@router.patch("/enrollments/{enrollment_id}", response_model=Edited,
              responses=responses(400, 401, 403, 404, 423))
def set_next_year(enrollment_id: str, body: NextYear, engine: District, user: User):
    """Set the enrollment's next calendar, structure, grade or end action (retain, demote)."""
    edit = edit_record(engine, "enrollments", {"enrollment_id": enrollment_id}, body.changes(),
                       user=user)
    return edit_json(edit)
