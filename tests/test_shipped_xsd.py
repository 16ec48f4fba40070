"""The Ed-Fi schemas shipped in the package are the official ones, byte for byte: each file's git
blob id (what `git hash-object` gives) is the one src/rollover/interop/xsd/README.md records from
the Ed-Fi Data Standard's repository, and the README names every file shipped."""

from __future__ import annotations

import hashlib
import re

from rollover.interop import XSD_FOLDER

ROW = re.compile(r"^\| `([^`]+)`[^|]*\| `([0-9a-f]{40})` \|$", re.MULTILINE)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_every_shipped_schema_and_descriptor_file_is_the_official_blob():
    recorded = dict(ROW.findall((XSD_FOLDER / "README.md").read_text(encoding="utf-8")))
    shipped = {path.name for path in XSD_FOLDER.iterdir() if path.suffix in (".xsd", ".xml")}
    assert set(recorded) == shipped
    assert {name: git_blob_id((XSD_FOLDER / name).read_bytes()) for name in shipped} == recorded
