"""Whole-database backups (YE-4) and their housekeeping (YE-5), as a Python API.

    create_backup(engine, label="before rollover")   -> Manifest (file + manifest in the folder)
    list_backups(folder)                             -> [Manifest], newest first
    restore_backup(backup_id, into=URL, folder=...)  -> Manifest (target now equals the backup)
    delete_backup(engine, backup_id, folder=...)     -> Manifest (only of an earlier school year)

A backup is two files in the backup folder: `<id>.<ext>` (the database) and `<id>.json` (its
manifest). Every refusal is a `BackupRefused` (exit status 2) raised before anything changes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from ..store.backup import (
    BackupRefused, kind_of_url, make_backup_file, restore_file, restored_counts, sha256_of,
    target_rows,
)
from ..store.database import describe, open_engine
from ..store.runs import new_run_id, record_run
from ..store.schema import district
from .security import require

DIR_VARIABLE = "ROLLOVER_BACKUP_DIR"
FOLDER_NAME = "rollover-backups"
KIND = "backup"


@dataclass
class Manifest:
    id: str
    created_at: str
    user: str | None
    database: dict  # {"kind": "sqlite" | "postgresql", "server_version": "..."}
    source_url: str  # password hidden
    school_year: int
    label: str | None
    file: str
    format: str
    size: int
    sha256: str
    alembic_revision: str | None
    row_counts: dict[str, int] = field(default_factory=dict)
    run_id: str | None = None

    @property
    def kind(self) -> str:
        return self.database["kind"]

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def as_json(self) -> dict:
        return asdict(self)


def backup_folder(url: str, given: str | Path | None = None) -> Path:
    """--dir, else $ROLLOVER_BACKUP_DIR, else `rollover-backups/` beside a SQLite database file,
    else `rollover-backups/` in the working directory."""
    chosen = given or os.environ.get(DIR_VARIABLE)
    if chosen:
        return Path(chosen)
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - a malformed URL is refused later, by whoever opens it
        return Path(FOLDER_NAME)
    database = parsed.database or ""
    if (parsed.get_backend_name() == "sqlite" and database and database != ":memory:"
            and not database.startswith("file:")):
        return Path(database).expanduser().parent / FOLDER_NAME
    return Path(FOLDER_NAME)


def current_school_year(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(district.c.current_school_year)).scalar()


# -- create -----------------------------------------------------------------------------------

def create_backup(engine: Engine, *, label: str | None = None, school_year: int | None = None,
                  folder: str | Path | None = None, user: str | None = None,
                  use_pg_dump: bool | None = None) -> Manifest:
    """Back up the whole database into the backup folder and record the run in it.

    `use_pg_dump` (PostgreSQL): None uses pg_dump when it is on PATH, False forces the logical
    export, True requires pg_dump.
    """
    started = dt.datetime.now(dt.timezone.utc)
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        by = require(conn, user, "backup").recorded  # YE-2: before any file is made
    if school_year is None:
        school_year = current_school_year(engine)
        if school_year is None:
            raise BackupRefused("the database holds no district with a current school year; "
                                "give --school-year")
    target = backup_folder(url, folder)
    if target.exists() and not target.is_dir():
        raise BackupRefused(f"backup folder {str(target)!r} is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    backup_id = new_run_id(KIND, started)
    path, made = None, None
    try:
        path, made = make_backup_file(engine, target / backup_id, use_pg_dump=use_pg_dump)
        manifest = Manifest(
            id=backup_id, created_at=started.isoformat(), user=by,
            database={"kind": engine.dialect.name, "server_version": made.server_version},
            source_url=describe(url), school_year=school_year, label=label, file=path.name,
            format=made.format, size=path.stat().st_size, sha256=sha256_of(path),
            alembic_revision=made.alembic_revision, row_counts=made.row_counts)
        options = {"action": "create", "backup_id": backup_id, "label": label,
                   "school_year": school_year, "folder": str(target), "format": made.format}
        counts = {"tables": len(made.row_counts), "rows": manifest.total_rows,
                  "bytes": manifest.size}
        with engine.begin() as conn:
            record = record_run(conn, kind=KIND, mode="run", user=by, options=options,
                                counts=counts, report=None, started_at=started)
            manifest.run_id = record.run_id
            _write_manifest(target, manifest)  # a failure here rolls the run record back
    except BaseException:
        for leftover in (path, target / f"{backup_id}.json"):
            if leftover is not None and leftover.exists():
                leftover.unlink()
        raise
    return manifest


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    partial = folder / f"{manifest.id}.json.part"
    partial.write_text(json.dumps(manifest.as_json(), indent=2) + "\n", encoding="utf-8")
    partial.replace(folder / f"{manifest.id}.json")


# -- list -------------------------------------------------------------------------------------

def list_backups(folder: str | Path) -> list[Manifest]:
    """Every backup of the folder, from its manifest, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(Manifest(**data))
        except (ValueError, TypeError):
            continue  # not one of ours
    return sorted(found, key=lambda m: (m.created_at, m.id), reverse=True)


def get_backup(folder: str | Path, backup_id: str) -> Manifest:
    path = Path(folder) / f"{backup_id}.json"
    if "/" in backup_id or "\\" in backup_id or not path.is_file():
        raise BackupRefused(f"no backup {backup_id!r} in {str(folder)!r}")
    try:
        return Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        raise BackupRefused(f"the manifest of backup {backup_id!r} ({path}) is unreadable") \
            from None


# -- restore ----------------------------------------------------------------------------------

def restore_backup(backup_id: str, *, into: str, folder: str | Path,
                   confirm: bool = False, user: str | None = None) -> Manifest:
    """Restore a backup into the database at `into`: an empty database (a new SQLite file, an
    empty PostgreSQL database), or with `confirm` one whose rollover tables hold rows (they are
    replaced). Refused before anything changes: an unknown id, a different database kind, a file
    whose sha256 is not the manifest's, a non-empty target without `confirm`, a target whose
    security is set up when `user` lacks the `backup` right there (YE-2)."""
    manifest = get_backup(folder, backup_id)
    kind = kind_of_url(into)
    if kind != manifest.kind:
        raise BackupRefused(f"backup {backup_id} is of a {manifest.kind} database and cannot be "
                            f"restored into a {kind} database ({describe(into)})")
    path = Path(folder) / manifest.file
    if not path.is_file():
        raise BackupRefused(f"backup file {path} of backup {backup_id} is missing")
    if sha256_of(path) != manifest.sha256:
        raise BackupRefused(f"backup file {path} is corrupted: its sha256 is not the one in "
                            f"its manifest; restore refused")
    held = target_rows(into)
    if held and not confirm:
        total = sum(held.values())
        raise BackupRefused(f"{describe(into)} is not empty ({total} rows in {len(held)} rollover "
                            "tables); restoring would replace them: add --confirm")
    if held.get("users"):
        _require_on_target(into, user)
    restore_file(path, manifest.format, into)
    counts = restored_counts(into)
    if counts != manifest.row_counts:
        wrong = sorted(n for n in set(counts) | set(manifest.row_counts)
                       if counts.get(n) != manifest.row_counts.get(n))
        raise BackupRefused(f"restore of {backup_id} into {describe(into)} does not match its "
                            f"manifest (row counts differ in {', '.join(wrong)})")
    return manifest


def _require_on_target(into: str, user: str | None) -> None:
    """YE-2: restoring over a database whose security is set up needs `backup` there (an empty
    target has no users: nothing to check)."""
    target = open_engine(into, migrate=False)
    try:
        with target.connect() as conn:
            require(conn, user, "backup")
    finally:
        target.dispose()


# -- delete -----------------------------------------------------------------------------------

def delete_backup(engine: Engine, backup_id: str, *, folder: str | Path | None = None,
                  user: str | None = None) -> Manifest:
    """Delete a backup made for a school year before the district's current one (YE-5), and
    record the run. A backup of the current (or a later) school year is refused: a restore
    is still possible."""
    started = dt.datetime.now(dt.timezone.utc)
    url = engine.url.render_as_string(hide_password=False)
    target = backup_folder(url, folder)
    manifest = get_backup(target, backup_id)
    current = current_school_year(engine)
    if current is None:
        raise BackupRefused(f"cannot delete backup {backup_id}: the database holds no district "
                            "with a current school year to compare it with")
    if manifest.school_year >= current:
        raise BackupRefused(
            f"backup {backup_id} was made for school year {manifest.school_year}, "
            f"{'the current' if manifest.school_year == current else 'not an earlier'} school "
            f"year (current: {current}): it cannot be deleted while a restore is still possible")
    options = {"action": "delete", "backup_id": backup_id, "school_year": manifest.school_year,
               "folder": str(target), "format": manifest.format}
    counts = {"files": 2, "bytes": manifest.size}
    with engine.begin() as conn:
        who = require(conn, user, "backup")  # YE-2: before the run record and the files go
        record_run(conn, kind=KIND, mode="run", user=who.recorded, options=options, counts=counts,
                   report=None, started_at=started)
        # The manifest goes first: a backup without one is no longer listed or restorable.
        (target / f"{backup_id}.json").unlink()
        (target / manifest.file).unlink(missing_ok=True)
    return manifest


__all__ = ["Manifest", "BackupRefused", "backup_folder", "create_backup", "list_backups",
           "get_backup", "restore_backup", "delete_backup", "current_school_year"]
