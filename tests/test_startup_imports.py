"""Every `rollover` command starts a Python process: what it loads before its work is paid by
each one.  The areas' geometry libraries (numpy, shapely: a sixth of a second) load only when a
geometry is read or a point looked up, never for a district without areas."""

from __future__ import annotations

import subprocess
import sys

from .conftest import BUNDLES

GEOMETRY_LOADED = "print(sorted(m for m in ('numpy', 'shapely') if m in sys.modules))"


def loaded_after(code: str) -> str:
    child = subprocess.run([sys.executable, "-c", f"import sys\n{code}\n{GEOMETRY_LOADED}"],
                           capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    return child.stdout.strip()


def test_the_command_line_starts_without_the_geometry_libraries():
    assert loaded_after("from rollover.entrypoints.cli import main") == "[]"


def test_a_district_without_areas_is_decided_without_them(tmp_path):
    assert loaded_after(f"""
from rollover.domain.forward.options import ForwardOptions
from rollover.services.bundles import import_bundle
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.store.database import open_engine
engine = open_engine({f'sqlite:///{tmp_path / "r.db"}'!r})
import_bundle(engine, {str(BUNDLES / 'tiny')!r})
calendars = tuple(source_calendars_of_year(engine, 2027))
assert roll_forward(engine, ForwardOptions(source_calendars=calendars, test=True)).rolled
""") == "[]"


def test_reading_an_area_loads_them():
    assert loaded_after("""
from rollover.domain.areas import area_geometry
area_geometry({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
""") == "['numpy', 'shapely']"
