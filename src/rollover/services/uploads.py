"""A bundle uploaded as a zip, unpacked into a folder the server owns, for an import job to read
(docs/serve.md, "Import").

    unpack_bundle_zip(stream, uploads_folder(url))  -> the bundle's folder (a new one each time)
    discard_upload(folder)                          -> removes it, once the import has read it

The zip's files are at its root or in one top folder.  Nothing of a zip can land outside its new
folder: a name that is absolute, climbs out (`..`), is a link or names a device is refused, and
so is a zip that unpacks to more than `max_unpacked` bytes (counted as it unpacks, whatever its
headers say) or holds more than MAX_FILES files.  A refused zip leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO


from ..errors import RolloverError
from ..store.backup import make_private_folder
from ..store.database import folder_beside

DIR_VARIABLE = "ROLLOVER_UPLOAD_DIR"
FOLDER_NAME = "rollover-uploads"
MARK = ".rollover-upload"  # in each upload's own folder: only such folders are ever removed
MAX_UPLOAD_BYTES = int(os.environ.get("ROLLOVER_MAX_UPLOAD_BYTES", 2 << 30))
MAX_UNPACKED_BYTES = int(os.environ.get("ROLLOVER_MAX_UNPACKED_BYTES", 20 << 30))
MAX_FILES = 1_000
CHUNK = 1 << 20
_SKIPPED = ("__MACOSX/",)  # what an archiver adds beside the files


class UploadRefused(RolloverError):
    """An upload that cannot be read as a bundle: nothing was kept of it."""


class UploadTooLarge(UploadRefused):
    http_status = 413


def uploads_folder(url: str, given: str | Path | None = None) -> Path:
    """Where the server unpacks uploads: `given`, else $ROLLOVER_UPLOAD_DIR, else beside a SQLite
    database, else `rollover-uploads` in the working folder.  Workers on other hosts need it
    shared (a PostgreSQL district served from several hosts)."""
    chosen = given or os.environ.get(DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return folder_beside(url, FOLDER_NAME)


def refuse_too_large(size: int | None, limit: int = MAX_UPLOAD_BYTES) -> None:
    if size is not None and size > limit:
        raise UploadTooLarge(f"the upload is {size:,} bytes, over the limit of {limit:,} bytes")


def unpack_bundle_zip(stream: BinaryIO, uploads: Path, *,
                      max_unpacked: int = MAX_UNPACKED_BYTES) -> Path:
    """Unpack the zip read from `stream` into a new folder of `uploads`; the bundle's folder."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused("the upload is not a zip file") from None
    with archive:
        members = _members(archive)
        total = sum(info.file_size for info, _ in members)
        if total > max_unpacked:
            raise UploadTooLarge(f"the zip unpacks to {total:,} bytes, over the limit of "
                                 f"{max_unpacked:,} bytes")
        make_private_folder(uploads)
        own = uploads / f"upload-{secrets.token_hex(8)}"
        own.mkdir(mode=0o700)
        (own / MARK).touch()
        bundle = own / "bundle"
        bundle.mkdir(mode=0o700)
        try:
            _extract(archive, members, bundle, max_unpacked)
        except BaseException:
            shutil.rmtree(own, ignore_errors=True)
            raise
    return bundle


def discard_upload(folder: Path | str) -> None:
    """Remove an unpacked upload once read; any other folder is left alone."""
    own = Path(folder).parent
    if (own / MARK).is_file():
        shutil.rmtree(own, ignore_errors=True)


def _members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """(entry, its file name in the bundle) of every file of the zip; every unsafe name and a
    layout other than "at the root or in one top folder" refused, all problems named."""
    problems, files = [], []
    for info in archive.infolist():
        name = info.filename
        if name.startswith(_SKIPPED) or info.is_dir():
            continue
        problem = _unsafe(info)
        if problem:
            problems.append(f"{name!r}: {problem}")
        else:
            files.append((info, PurePosixPath(name).parts))
    if problems:
        raise UploadRefused(f"the zip holds {len(problems)} name{'s' if len(problems) > 1 else ''}"
                            " that cannot be unpacked safely", problems)
    if not files:
        raise UploadRefused("the zip holds no file")
    if len(files) > MAX_FILES:
        raise UploadTooLarge(f"the zip holds {len(files):,} files, over the limit of {MAX_FILES:,}")
    tops = {parts[0] for _, parts in files}
    if all(len(parts) == 1 for _, parts in files):
        return [(info, parts[0]) for info, parts in files]
    if len(tops) == 1 and all(len(parts) == 2 for _, parts in files):
        return [(info, parts[1]) for info, parts in files]
    raise UploadRefused("the bundle's files must be at the zip's root or in one top folder; "
                        "this zip has " + ", ".join(sorted(
                            "/".join(parts) for _, parts in files if len(parts) != 1)[:5]))


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if "\x00" in name or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return "not a plain relative name"
    if name.startswith("/"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out of the folder (..)"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: an archiver's plain file
        return "a link or a special file, not a plain file"
    if info.flag_bits & 0x1:
        return "encrypted"
    return None


def _extract(archive: zipfile.ZipFile, members, folder: Path, limit: int) -> None:
    written = 0
    for info, name in members:
        target = folder / name
        if target.exists():
            raise UploadRefused(f"the zip holds {name!r} twice")
        with archive.open(info) as source, target.open("xb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:  # its headers said less: a zip bomb
                    raise UploadTooLarge(f"the zip unpacks to more than {limit:,} bytes")
                out.write(chunk)
