"""An installed rollover (not only a checkout) has every file the pages need: each template,
stylesheet, script and vendored library under the pages' folders is named by a package-data
pattern of pyproject.toml (a file no pattern names is left out of the wheel)."""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "rollover"
PAGES = PACKAGE / "entrypoints" / "web" / "pages"


def test_every_file_of_the_pages_is_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["rollover"]
    files = [f for folder in ("templates", "static") for f in (PAGES / folder).rglob("*")
             if f.is_file()]
    assert files
    left_out = [str(f.relative_to(PACKAGE)) for f in files
                if not any(PurePosixPath(f.relative_to(PACKAGE).as_posix()).match(p)
                           and len(PurePosixPath(p).parts)
                           == len(f.relative_to(PACKAGE).parts) for p in patterns)]
    assert left_out == []
