"""Whole-database backups (YE-4) and their housekeeping (YE-5), as a Python API.

    create_backup(engine, label="before rollover")           -> Manifest (file + manifest)
    list_backups(folder)                                     -> [Manifest], newest first
    restore_backup(engine, backup_id, into=URL, folder=...)  -> Manifest (target = the backup)
    restore_in_place(engine, backup_id, confirm=True)        -> Manifest (over engine's own
                                                                database; the server's state kept)
    delete_backup(engine, backup_id, folder=...)             -> Manifest (an earlier year's only)

A backup is two files in the backup folder, private to their owner: `<id>.<ext>` (the database)
and `<id>.json` (its manifest), signed with the key of the database it was made from (`engine`:
HMAC-SHA256, the key in its `backup_key` table).  Restore and delete act only on a manifest that
key vouches for, and only on the backup's own file in the folder.  Every refusal is a
`BackupRefused` (exit status 2) raised before anything changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from ..pause_points import pause_point
from ..progress import Progress, no_progress
from ..store.backup import (
    LEFT_OUT, SUFFIX, BackupRefused, give_backup_key, kind_of_url, make_backup_file, make_private_file,
    make_private_folder, restore_file, restored_counts, sha256_of, sqlite_path, target_rows,
)
from ..store.backup_key import backup_key, read_backup_key
from ..store.database import describe, folder_beside, open_engine
from ..store.migrate import head_revision, known_revision
from ..store.runs import new_run_id
from ..store.schema import district
from ..store.server_state import hold_server_state, put_server_state, read_server_state
from ..store.staged_restore import replace_district, staged
from .security import lock_status
from .unit_of_work import operation, refuse_if_busy, unit_of_work

DIR_VARIABLE = "ROLLOVER_BACKUP_DIR"
FOLDER_NAME = "rollover-backups"
KIND = "backup"
# YE-2: the `backup` right.  Making or deleting a backup is a run (its record names it);
# checking the right before the files are made, or before a restore, is a guarded moment only.
BACKUP = operation(KIND, "backup", "backup", district_write=False, undoable=False)
BACKUP_ALLOWED = operation("backup-allowed", "backup", "backup", district_write=False,
                           records_run=False)
# A restore over the district's own database switches it in one transaction, as its user
# (the `backup` right, in the district it replaces), and must not interleave with a run
# writing the district.
RESTORE_IN_PLACE = operation("restore-backup", "backup restore", "backup", records_run=False)


class BackupNotFound(BackupRefused):
    """No backup of that id in the backup folder."""

    http_status = 404


class RestoreNotConfirmed(BackupRefused):
    """A restore over a district that holds rows, not confirmed: they would be replaced."""

    http_status = 409


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
    hmac: str | None = None  # HMAC-SHA256 of every other field, with the database's backup key

    @property
    def kind(self) -> str:
        return self.database["kind"]

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def as_json(self) -> dict:
        return asdict(self)


def signature(key: bytes, manifest: Manifest) -> str:
    """The manifest's HMAC-SHA256 under `key`: over its fields but `hmac`, as sorted compact
    JSON, so the same manifest read back from its file signs the same."""
    fields = {name: value for name, value in manifest.as_json().items() if name != "hmac"}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def backup_folder(url: str, given: str | Path | None = None) -> Path:
    """--dir, else $ROLLOVER_BACKUP_DIR, else `rollover-backups/` beside a SQLite database file,
    else `rollover-backups/` in the working directory."""
    chosen = given or os.environ.get(DIR_VARIABLE)
    if chosen:
        return Path(chosen)
    return folder_beside(url, FOLDER_NAME)


def current_school_year(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(district.c.current_school_year)).scalar()


# -- create -----------------------------------------------------------------------------------

def create_backup(engine: Engine, *, label: str | None = None, school_year: int | None = None,
                  folder: str | Path | None = None, user: str | None = None,
                  use_pg_dump: bool | None = None, progress: Progress = no_progress) -> Manifest:
    """Back up the whole database into the backup folder and record the run in it.

    `use_pg_dump` (PostgreSQL): None uses pg_dump when it is on PATH, False forces the logical
    export, True requires pg_dump.  Progress: "copying the database" (SQLite) or
    "backing up", then "hashing the backup".
    """
    started = dt.datetime.now(dt.timezone.utc)
    url = engine.url.render_as_string(hide_password=False)
    with unit_of_work(engine, BACKUP_ALLOWED, user=user) as work:  # YE-2: before any file
        by = work.recorded_user
        key = backup_key(work.conn)  # made on the first backup, before the file: never in it
    if school_year is None:
        school_year = current_school_year(engine)
        if school_year is None:
            raise BackupRefused("the database holds no district with a current school year; "
                                "give --school-year")
    target = backup_folder(url, folder)
    if target.exists() and not target.is_dir():
        raise BackupRefused(f"backup folder {str(target)!r} is not a folder")
    make_private_folder(target)
    backup_id = new_run_id(KIND, started)
    path, made = None, None
    try:
        path, made = make_backup_file(engine, target / backup_id, use_pg_dump=use_pg_dump,
                                      progress=progress)
        manifest = Manifest(
            id=backup_id, created_at=started.isoformat(), user=by,
            database={"kind": engine.dialect.name, "server_version": made.server_version},
            source_url=describe(url), school_year=school_year, label=label, file=path.name,
            format=made.format, size=path.stat().st_size, sha256=sha256_of(path, progress),
            alembic_revision=made.alembic_revision, row_counts=made.row_counts)
        options = {"action": "create", "backup_id": backup_id, "label": label,
                   "school_year": school_year, "folder": str(target), "format": made.format}
        counts = {"tables": len(made.row_counts), "rows": manifest.total_rows,
                  "bytes": manifest.size}
        with unit_of_work(engine, BACKUP, user=user, options=options, started=started) as work:
            manifest.run_id = work.finish(counts=counts).run_id
            manifest.hmac = signature(key, manifest)
            _write_manifest(target, manifest)  # a failure here rolls the run record back
    except BaseException:
        for leftover in (path, target / f"{backup_id}.json"):
            if leftover is not None and leftover.exists():
                leftover.unlink()
        raise
    return manifest


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    partial = folder / f"{manifest.id}.json.part"
    partial.unlink(missing_ok=True)
    make_private_file(partial)
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
    """The manifest of `backup_id` as its file says (not yet verified: see `verified_backup`)."""
    path = Path(folder) / f"{backup_id}.json"
    if "/" in backup_id or "\\" in backup_id or not path.is_file():
        raise BackupNotFound(f"no backup {backup_id!r} in {str(folder)!r}")
    try:
        manifest = Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        raise BackupRefused(f"the manifest of backup {backup_id!r} ({path}) is unreadable") \
            from None
    if manifest.id != backup_id:
        raise BackupRefused(f"the manifest of backup {backup_id!r} ({path}) is of backup "
                            f"{manifest.id!r}; refused")
    return manifest


def verified_backup(engine: Engine, folder: str | Path, backup_id: str) -> Manifest:
    """The manifest of `backup_id`, refused unless it is signed with the backup key of the
    database at `engine` (the one the backup was made from, or a copy restored from its
    backups) and names its own file in the folder."""
    manifest = get_backup(folder, backup_id)
    key = _backup_key_of(engine, backup_id)
    given = manifest.hmac if isinstance(manifest.hmac, str) else ""
    if not hmac.compare_digest(given.encode("utf-8"), signature(key, manifest).encode("ascii")):
        raise BackupRefused(f"the manifest of backup {backup_id} is not authentic: its signature "
                            f"does not match the backup key of {_described(engine)} (edited, "
                            "or not made from this database); refused")
    backup_file(folder, manifest)
    return manifest


def _described(engine: Engine) -> str:
    return describe(engine.url.render_as_string(hide_password=False))


def _backup_key_of(engine: Engine, backup_id: str) -> bytes:
    with engine.connect() as conn:
        key = read_backup_key(conn)
    if key is None:
        raise BackupRefused(f"{_described(engine)} holds no backup key, so it cannot vouch for "
                            f"backup {backup_id}: give --db the database the backup was made "
                            "from")
    return key


def backup_file(folder: str | Path, manifest: Manifest) -> Path:
    """The backup's own file, `<id>.<ext>` in the folder itself; any other name (a path, '..',
    another backup's file, a link out of the folder) is refused."""
    folder = Path(folder)
    expected = f"{manifest.id}{SUFFIX.get(manifest.format, '')}"
    path = folder / expected
    if (manifest.file != expected or manifest.format not in SUFFIX
            or path.resolve().parent != folder.resolve()):
        raise BackupRefused(f"the manifest of backup {manifest.id} names the file "
                            f"{manifest.file!r}, not its own file {expected!r} in "
                            f"{str(folder)!r}; refused")
    return path


# -- restore ----------------------------------------------------------------------------------

def restore_backup(engine: Engine, backup_id: str, *, into: str,
                   folder: str | Path | None = None, confirm: bool = False,
                   user: str | None = None, progress: Progress = no_progress) -> Manifest:
    """Restore a backup made from the database at `engine` into the database at `into`: an
    empty database (a new SQLite file, an empty PostgreSQL database), or with `confirm` one whose
    rollover tables hold rows (they are replaced); `into` may be `engine`'s database itself.
    The restored database gets `engine`'s backup key.  Refused before anything changes: an
    unknown id, a manifest `engine`'s key does not vouch for or naming another file, while
    `engine`'s database is locked a user who cannot get past the lock (YE-2: a restore is a full
    copy), a different database kind, a file whose sha256 is not the manifest's, a non-empty
    target without `confirm`, a target whose security is set up when `user` lacks the `backup`
    right there (YE-2).  Progress: "hashing the backup", then "restoring"."""
    folder = backup_folder(_url(engine), folder)
    manifest, path = _restorable(engine, backup_id, into, folder, user, progress)
    held = target_rows(into)
    if held and not confirm:
        total = sum(held.values())
        raise BackupRefused(f"{describe(into)} is not empty ({total} rows in {len(held)} rollover "
                            "tables); restoring would replace them: add --confirm")
    if held.get("users"):
        _require_on_target(into, user)
    # A backup holds no key: the restored database gets the one that verified it, so restored
    # over its own database the other backups still verify, and a copy verifies them too.
    key = _backup_key_of(engine, backup_id)  # read first: `into` may be engine's database
    restore_file(path, manifest.format, into, progress)
    give_backup_key(into, key)
    _refuse_other_counts(manifest, restored_counts(into), into)
    return manifest


def check_restore_in_place(engine: Engine, backup_id: str, *,
                           folder: str | Path | None = None, confirm: bool = False,
                           user: str | None = None) -> tuple[Manifest, Path]:
    """What `restore_in_place` would be refused for now, writing nothing: the refusals of
    `restore_backup` into `engine`'s own database, and a district that holds rows without
    `confirm` (RestoreNotConfirmed, naming how many), a run writing the district now (naming
    it).  The manifest and its file."""
    url = _url(engine)
    manifest, path = _restorable(engine, backup_id, url, backup_folder(url, folder), user)
    if manifest.alembic_revision is not None and not known_revision(manifest.alembic_revision):
        raise BackupRefused(f"backup {backup_id} is of schema revision "
                            f"{manifest.alembic_revision}, which this rollover does not know (its "
                            f"newest is {head_revision()}): restore it with the rollover that "
                            "made it")
    held = {name: n for name, n in target_rows(url).items() if name not in LEFT_OUT}
    if held and not confirm:
        raise RestoreNotConfirmed(f"restoring backup {backup_id} would replace the district's "
                                  f"{sum(held.values())} rows; send confirm: true")
    if held.get("users"):
        with unit_of_work(engine, BACKUP_ALLOWED, user=user, write=False):
            pass
    refuse_if_busy(engine, RESTORE_IN_PLACE)
    return manifest, path


def restore_in_place(engine: Engine, backup_id: str, *, folder: str | Path | None = None,
                     confirm: bool = False, user: str | None = None,
                     progress: Progress = no_progress) -> Manifest:
    """Restore a backup over `engine`'s own database (the server's restore): the district is put
    back as the backup holds it, and the server's own state is kept: its sign-ins, failed
    sign-ins and jobs (a backup holds none of them).  Signed-in users stay signed in and the job
    running the restore can record its end.

    The backup is restored into a stage beside the database first (`store.staged_restore`),
    checked against its manifest there and brought up to this rollover's schema (a backup of an
    older revision is upgraded); then one transaction replaces the district's rows with the
    stage's and keeps the server's rows, so whoever reads meanwhile sees the district before or
    the restored one, signed in either way.  Refused before anything changes as
    `check_restore_in_place`, and for a stage whose rows are not the manifest's; a failure at
    any point changes nothing."""
    url = _url(engine)
    manifest, path = check_restore_in_place(engine, backup_id, folder=folder, confirm=confirm,
                                            user=user)
    progress("restoring the backup beside the district", 0, 3)
    with staged(path, manifest.format, url, manifest.alembic_revision) as stage:
        _refuse_other_counts(manifest, stage.counts(), url)
        progress("bringing it to this rollover's schema", 1, 3)
        stage.upgrade()
        upgraded = stage.counts()
        pause_point("restore:staged")
        progress("switching the district to the restored one", 2, 3)
        # No progress within the switch: on PostgreSQL it is published into the jobs table,
        # which the switch holds.
        with stage.switching(engine) as switching, \
                unit_of_work(switching, RESTORE_IN_PLACE, user=user) as work:
            hold_server_state(work.conn)
            saved = read_server_state(work.conn)
            written = replace_district(work.conn, stage)
            _refuse_other_counts(manifest, written, url, expected=upgraded)
            put_server_state(work.conn, saved)
            pause_point("restore:replacing")
        pause_point("restore:replaced")
    progress("restored", 3, 3)
    return manifest


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _restorable(engine: Engine, backup_id: str, into: str, folder: Path,
                user: str | None, progress: Progress = no_progress) -> tuple[Manifest, Path]:
    """The checks of every restore but the target's rows: the manifest and its file."""
    manifest = verified_backup(engine, folder, backup_id)
    if lock_status(engine).locked:  # YE-2: a full copy, past the lock only (as a write)
        with unit_of_work(engine, BACKUP_ALLOWED, user=user, write=False):
            pass
    kind = kind_of_url(into)
    if kind != manifest.kind:
        raise BackupRefused(f"backup {backup_id} is of a {manifest.kind} database and cannot be "
                            f"restored into a {kind} database ({describe(into)})")
    path = backup_file(folder, manifest)
    if not path.is_file():
        raise BackupRefused(f"backup file {path} of backup {backup_id} is missing")
    if sha256_of(path, progress) != manifest.sha256:
        raise BackupRefused(f"backup file {path} is corrupted: its sha256 is not the one in "
                            f"its manifest; restore refused")
    return manifest, path


def _refuse_other_counts(manifest: Manifest, counts: dict[str, int], into: str,
                         expected: dict[str, int] | None = None) -> None:
    """Refuse a restore whose row counts are not the manifest's (or, given, the `expected`
    counts of the backup as restored beside the district)."""
    against = "its manifest" if expected is None else "the backup as restored beside it"
    expected = manifest.row_counts if expected is None else expected
    if counts != expected:
        wrong = sorted(n for n in set(counts) | set(expected) if counts.get(n) != expected.get(n))
        raise BackupRefused(f"restore of {manifest.id} into {describe(into)} does not match "
                            f"{against} (row counts differ in {', '.join(wrong)})")


def open_source(url: str) -> Engine:
    """The database a backup command names with --db; a SQLite file that does not exist is
    refused rather than made (it could not hold the key that verifies a backup)."""
    if kind_of_url(url) == "sqlite" and not sqlite_path(url).exists():
        raise BackupRefused(f"database {describe(url)} does not exist: give --db the database "
                            "the backups were made from")
    return open_engine(url)


def _require_on_target(into: str, user: str | None) -> None:
    """YE-2: restoring over a database whose security is set up needs `backup` there (an empty
    target has no users: nothing to check)."""
    target = open_engine(into, migrate=False)
    try:
        with unit_of_work(target, BACKUP_ALLOWED, user=user, write=False):
            pass
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
    manifest = verified_backup(engine, target, backup_id)
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
    # YE-2: the right before the run record and the files go.
    with unit_of_work(engine, BACKUP, user=user, options=options, started=started) as work:
        work.finish(counts=counts)
        # The manifest goes first: a backup without one is no longer listed or restorable.
        (target / f"{backup_id}.json").unlink()
        backup_file(target, manifest).unlink(missing_ok=True)
    return manifest


__all__ = ["Manifest", "BackupRefused", "BackupNotFound", "backup_folder", "create_backup",
           "list_backups",
           "get_backup", "verified_backup", "backup_file", "restore_backup", "delete_backup",
           "restore_in_place", "check_restore_in_place", "RestoreNotConfirmed",
           "current_school_year", "signature", "open_source"]
