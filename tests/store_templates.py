"""Stores built once per test session and handed to each test as a fresh copy.

Many tests start from the same district (the API's tests: two schools, six users with argon2
passwords, a roll forward Run, a backup and a finished job).  Building it costs most of a second
a test; a copy costs a few hundredths.  `from_template(engine, folder, name, build)` gives the
empty store of `engine` the rows `build(engine, folder)` makes, and `folder` the files it writes
there, building them once per session and database kind:

- SQLite: the store is built in a file of its own; each test's database file is replaced by a
  copy of it (the test's engine is disposed first, so no connection sees the swap).
- PostgreSQL: the store is built in the session's database by the first test; every row of every
  table (as COPY text) and the sequences' positions are kept in memory, and each later test's
  emptied database gets them back by COPY.

`build` returns plain data (ids), handed back to every test; files it writes must live under
`folder` (they are copied with the same relative paths), and paths must not be in its result.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, text

from rollover.store.database import open_engine
from rollover.store.schema import metadata

_SEQUENCES = text("SELECT sequencename, last_value FROM pg_sequences "
                  "WHERE schemaname = current_schema()")


@dataclass
class _Template:
    result: Any
    files: Path  # the folder holding what `build` wrote
    sqlite_file: Path | None = None
    rows: dict[str, bytes] = field(default_factory=dict)  # PostgreSQL: table -> COPY text
    sequences: list[tuple[str, int | None]] = field(default_factory=list)


_TEMPLATES: dict[tuple[str, str, str], _Template] = {}


def from_template(engine: Engine, folder: Path, name: str,
                  build: Callable[[Engine, Path], Any]) -> Any:
    """Fill the empty store of `engine` (and `folder`) as `build` does; `build`'s result."""
    kind = engine.dialect.name
    # One session database per PostgreSQL server, one template file per SQLite test session.
    key = (name, kind, str(engine.url) if kind == "postgresql" else "")
    template = _TEMPLATES.get(key)
    if template is None:
        template = _TEMPLATES[key] = (_build_sqlite(build) if kind == "sqlite"
                                      else _build_postgresql(engine, folder, build))
        if kind == "postgresql":
            return template.result  # built in this very test's database
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template.files, folder, dirs_exist_ok=True)
    if kind == "sqlite":
        _copy_sqlite(engine, template.sqlite_file)
    else:
        _restore_postgresql(engine, template)
    return template.result


def _build_sqlite(build) -> _Template:
    where = Path(tempfile.mkdtemp(prefix="rollover-template-"))
    store = where / "store.db"
    files = where / "files"
    files.mkdir()
    engine = open_engine(f"sqlite:///{store}")
    try:
        result = build(engine, files)
    finally:
        engine.dispose()  # the last connection folds the WAL back into the file
    return _Template(result, files, sqlite_file=store)


def _copy_sqlite(engine: Engine, store: Path) -> None:
    target = Path(engine.url.database)
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store, target)


def _build_postgresql(engine: Engine, folder: Path, build) -> _Template:
    folder.mkdir(parents=True, exist_ok=True)
    result = build(engine, folder)
    files = Path(tempfile.mkdtemp(prefix="rollover-template-files-"))
    shutil.copytree(folder, files, dirs_exist_ok=True)
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        rows = {}
        for table in metadata.sorted_tables:
            with cursor.copy(f'COPY "{table.name}" TO STDOUT') as copy:
                rows[table.name] = b"".join(bytes(block) for block in copy)
        sequences = [tuple(row) for row in conn.execute(_SEQUENCES)]
    return _Template(result, files, rows=rows, sequences=sequences)


def _restore_postgresql(engine: Engine, template: _Template) -> None:
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for table in metadata.sorted_tables:
            rows = template.rows[table.name]
            if rows:
                with cursor.copy(f'COPY "{table.name}" FROM STDIN') as copy:
                    copy.write(rows)
        for name, last_value in template.sequences:
            if last_value is None:
                conn.execute(text("SELECT setval(CAST(:name AS regclass), 1, false)"),
                             {"name": name})
            else:
                conn.execute(text("SELECT setval(CAST(:name AS regclass), :value, true)"),
                             {"name": name, "value": last_value})


def remove_templates() -> None:
    """Remove the templates' files (at the end of the session)."""
    for template in _TEMPLATES.values():
        shutil.rmtree(template.files, ignore_errors=True)
        if template.sqlite_file is not None:
            shutil.rmtree(template.sqlite_file.parent, ignore_errors=True)
    _TEMPLATES.clear()



def imported(engine: Engine, folder: Path, name: str,
             write_bundle: Callable[[Path], Path]) -> Path:
    """The bundle `write_bundle(folder / "bundle")` writes, imported into the empty store of
    `engine` (once per session and database kind under `name`); the bundle folder."""
    from rollover.services.bundles import import_bundle

    def build(template_engine: Engine, files: Path) -> None:
        import_bundle(template_engine, write_bundle(files / "bundle"))

    from_template(engine, folder, name, build)
    return folder / "bundle"
