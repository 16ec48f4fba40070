"""Users, their rights and the maintenance lock (YE-2): `/lock`, `/users`,
`/users/{name}/rights/{right}`, each a call of the service `rollover lock` and `rollover users`
call, as the signed-in user, who needs the same rights there as on the command line."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from ...domain.security import READ, WRITE
from ...services import security
from ...services.reads import page_of
from .auth import User
from .context import District
from .paging import FIRST, PER_PAGE, Page, PageNumber, PerPage
from .problems import responses

router = APIRouter(tags=["users and the lock"])
WRITE_PROBLEMS = responses(400, 401, 403, 423)


class ScheduledTask(BaseModel):
    task_id: str
    name: str
    schedule: str | None
    enabled: bool


class LockStatus(BaseModel):
    locked: bool
    lock_out_users: bool
    disable_scheduled_tasks: bool
    open_district: bool
    users_who_can_work: list[str]
    scheduled_tasks: list[ScheduledTask]


class LockBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    locked: bool


class Grant(BaseModel):
    right: str
    school: str | None
    access: str


class UserInfo(BaseModel):
    user: str
    full_name: str | None
    created_at: str
    rights: list[Grant]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    password: str
    full_name: str | None = None


class RightBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    school: str | None = None  # None: all schools
    read_only: bool = False


@router.get("/lock", response_model=LockStatus, responses=responses(401))
def lock(engine: District, _user: User):
    """Whether the district is locked for maintenance, and who can work while it is."""
    return security.lock_status(engine).as_json()


@router.put("/lock", response_model=LockStatus, responses=WRITE_PROBLEMS)
def set_lock(body: LockBody, engine: District, user: User):
    """Lock the district for maintenance and disable scheduled tasks (`locked` true), or lift
    both.  Needs `maintenance_lock` with write access for all schools, or `system_all`."""
    return security.set_lock(engine, body.locked, user=user).as_json()


@router.get("/users", response_model=Page[UserInfo], responses=responses(400, 401))
def users(engine: District, _user: User, page: PageNumber = FIRST, per_page: PerPage = PER_PAGE):
    """Every user with their rights, by name."""
    found = [u.as_json() for u in security.list_users(engine)]
    return page_of(found, page, per_page).as_json()


@router.post("/users", status_code=201, response_model=UserInfo, responses=WRITE_PROBLEMS)
def add_user(body: NewUser, engine: District, user: User):
    """Add a user with a password.  Needs `security` for all schools."""
    return security.add_user(engine, body.name, body.full_name, user=user,
                             password=body.password).as_json()


@router.put("/users/{name}/rights/{right}", response_model=Grant, responses=WRITE_PROBLEMS)
def grant(name: str, right: str, body: RightBody, engine: District, user: User):
    """Give user `name` the right at `school` (null: all schools); granting again sets its
    access.  Needs `security` at that school."""
    return security.grant(engine, name, right, body.school, READ if body.read_only else WRITE,
                          user=user).as_json()


@router.delete("/users/{name}/rights/{right}", response_model=Grant, responses=WRITE_PROBLEMS)
def revoke(name: str, right: str, engine: District, user: User,
           school: Annotated[str | None, Query(description="The grant at this school "
                                               "(default: the all-schools grant).")] = None):
    """Take the right from user `name`; the grant removed.  Needs `security` at that school."""
    return security.revoke(engine, name, right, school, user=user).as_json()
