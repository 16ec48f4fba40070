"""What every route is given besides its request: the district's engine, and the server's
backup folder (the one `rollover backup` uses on this database unless the server names one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from ...services.backup import backup_folder


def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _backups(request: Request) -> Path:
    state = request.app.state
    return backup_folder(state.engine.url.render_as_string(hide_password=False),
                         state.backup_dir)


District = Annotated[Engine, Depends(_engine)]
BackupFolder = Annotated[Path, Depends(_backups)]
