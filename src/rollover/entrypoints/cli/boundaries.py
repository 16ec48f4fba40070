"""`rollover boundaries import FILE.geojson` (attendance areas drawn as polygons, from a GIS
tool's export) and `rollover boundaries list`: thin layers over `services.areas_import`."""

from __future__ import annotations

from pathlib import Path

import click

from ...reports.areas import areas_json, areas_table, imported_report
from .support import (db_option, echo_json, example, json_option, progress_bar, refusals,
                      user_option)
from .tables import echo_report


@click.group("boundaries")
def boundaries_group():
    """Attendance areas drawn as polygons: import them from GeoJSON, list them."""


@example("boundaries import {tmp}/areas.geojson --school-property SCHOOL --grades 09-12")
@boundaries_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--school-property", required=True, metavar="NAME",
              help="The feature property naming each area's school: a school id, or a name "
                   "the --map file maps to one.")
@click.option("--grades", required=True, metavar="LOW-HIGH",
              help="The grades the areas serve, two grade codes of the district: KG-05, 06-08.")
@click.option("--map", "map_file", type=click.Path(path_type=Path), default=None,
              metavar="FILE.csv",
              help="A CSV file with the header name,school_id: the school each name stands for.")
@click.option("--kind", type=click.Choice(["school", "program"]), default="school",
              show_default=True,
              help="school: the schools' own areas; program: a program's areas (--program).")
@click.option("--program", metavar="ID", default=None,
              help="With --kind program: the program whose areas these are.")
@json_option("Print what was imported as one JSON object.")
@user_option("Who imports")
@db_option
@refusals
def import_command(db_url, file: Path, school_property: str, grades: str,
                   map_file: Path | None, kind: str, program: str | None, as_json: bool, user):
    """Import the areas of the GeoJSON FeatureCollection FILE (WGS 84 longitude and latitude),
    one area a feature, replacing the stored areas of the same kind whose grades overlap
    (nothing is written if anything is wrong; `rollover undo RUN_ID` puts them back)."""
    from ...services.areas_import import import_areas
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = import_areas(engine, file, school_property=school_property, grades=grades,
                                  map_file=map_file, kind=kind, program=program, user=user,
                                  progress=report)
    finally:
        engine.dispose()
    if as_json:
        echo_json(result.as_json())
    else:
        echo_report(imported_report(result))


@example("boundaries list", "boundaries list --json")
@boundaries_group.command("list")
@json_option("Print the areas as a JSON list.")
@db_option
@refusals
def list_command(db_url, as_json: bool):
    """Every stored attendance area: its school, program, name, grades and vertices."""
    from ...services.areas_import import list_areas
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        found = list_areas(engine)
    finally:
        engine.dispose()
    if as_json:
        echo_json(areas_json(found))
    else:
        echo_report([areas_table(found)])
