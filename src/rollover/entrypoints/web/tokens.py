"""Signing in and out: `POST /api/v1/tokens` (open) and `DELETE /api/v1/tokens/current`."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from ...services.sign_in import issue_token, revoke_token
from .auth import Token
from .context import District
from .problems import responses

router = APIRouter(tags=["sign-in"])


class SignInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str
    password: str


class IssuedToken(BaseModel):
    token: str
    expires_at: dt.datetime


@router.post("/tokens", status_code=201, response_model=IssuedToken,
             responses=responses(400, 401, 423, 429))
def sign_in(body: SignInBody, engine: District) -> IssuedToken:
    """Sign in: a bearer token for the other endpoints, valid until `expires_at`."""
    issued = issue_token(engine, body.user, body.password, kind="api")
    return IssuedToken(token=issued.token, expires_at=issued.expires_at)


@router.delete("/tokens/current", status_code=204, response_class=Response,
               responses=responses(401))
def sign_out(engine: District, token: Token) -> Response:
    """Sign out: the token presented signs nobody in any more."""
    revoke_token(engine, token)
    return Response(status_code=204)
