"""GeoJSON FeatureCollections of attendance areas, read and written (RFC 7946).

Read: the text a GIS tool exports, in WGS 84 longitude and latitude.  A `crs` member naming
CRS84 or EPSG:4326 (older exports carry one) is accepted, as is none; any other is refused, as the
coordinates would not be degrees.  Each feature's geometry must be a valid Polygon or
MultiPolygon (`domain.areas.area_geometry`); what is wrong is said per feature, every problem
found, none stopping the others.  The geometry is kept as compact GeoJSON text of its `type` and
`coordinates` (its numbers as given; a `bbox` or other member dropped).

Written: one feature per line, so that two exports compare line by line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..bundle.values import shown
from ..domain.areas import AreaGeometryError, area_geometry

# The names a `crs` member may give WGS 84 longitude and latitude by (compared in any case).
WGS84 = frozenset(name.lower() for name in (
    "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "OGC:CRS84", "CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326",
    "urn:ogc:def:crs:EPSG:6.6:4326", "http://www.opengis.net/def/crs/EPSG/0/4326"))


@dataclass
class Feature:
    """One feature of a collection: its place in the `features` array (from 0), its properties,
    its geometry as compact text (None when it has a problem) and what is wrong with it."""

    index: int
    properties: dict
    geometry: str | None = None
    vertices: int = 0  # the positions of its rings, each ring's closing one included
    problems: list[str] = field(default_factory=list)

    def label(self, name_property: str) -> str:
        """`features[3] (SCHOOL 'Lincoln')`: where it is, and the value naming it."""
        value = self.properties.get(name_property)
        if value is None or isinstance(value, (dict, list)):
            return f"features[{self.index}]"
        return f"features[{self.index}] ({name_property} {shown(str(value))})"


@dataclass
class FeatureCollection:
    features: list[Feature] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # of the file as a whole


def read_feature_collection(data: bytes) -> FeatureCollection:
    """A file's bytes as a FeatureCollection of checked features; what is wrong with the file
    as a whole stops the reading (its `problems`), what is wrong with a feature is the
    feature's."""
    found = FeatureCollection()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        found.problems.append(f"not UTF-8 text (byte 0x{data[bad.start]:02x} at position "
                              f"{bad.start})")
        return found
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as bad:
        found.problems.append(f"not JSON: line {bad.lineno} column {bad.colno}: {bad.msg}")
        return found
    except ValueError as bad:  # NaN, Infinity
        found.problems.append(f"not JSON: {bad}")
        return found
    except RecursionError:
        found.problems.append("not JSON this reader takes: nested too deeply")
        return found
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found.problems.append(f"not a GeoJSON FeatureCollection (it is {_kind(document)})")
        return found
    crs = _crs_problem(document.get("crs"))
    if crs:
        found.problems.append(crs)
    features = document.get("features")
    if not isinstance(features, list):
        found.problems.append("its `features` is not a list")
        return found
    found.features = [_feature(index, item) for index, item in enumerate(features)]
    return found


def _no_constant(name: str):
    raise ValueError(f"{name} is no JSON number")


def _kind(value) -> str:
    if isinstance(value, dict):
        return f"an object of type {shown(str(value.get('type')))}" if "type" in value \
            else "an object without a type"
    return {list: "a list", str: "a string", bool: "true or false",
            type(None): "null"}.get(type(value), "a number")


def _crs_problem(crs) -> str | None:
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) and \
        isinstance(crs.get("properties"), dict) else None
    if isinstance(name, str) and name.strip().lower() in WGS84:
        return None
    given = shown(name) if isinstance(name, str) else json.dumps(crs)[:60]
    return (f"crs {given}: the coordinates must be WGS 84 longitude and latitude (CRS84, "
            "EPSG:4326); export the file again in that system")


def _feature(index: int, item) -> Feature:
    if not isinstance(item, dict):
        return Feature(index, {}, problems=[f"not a GeoJSON Feature (it is {_kind(item)})"])
    properties = item.get("properties")
    feature = Feature(index, properties if isinstance(properties, dict) else {})
    if item.get("type") != "Feature":
        feature.problems.append(f"not a GeoJSON Feature (it is {_kind(item)})")
    if properties is not None and not isinstance(properties, dict):
        feature.problems.append(f"its properties are {_kind(properties)}, not an object")
    geometry = item.get("geometry")
    if geometry is None:
        feature.problems.append("it has no geometry")
        return feature
    try:
        area_geometry(geometry)
    except AreaGeometryError as bad:
        feature.problems.append(str(bad))
        return feature
    feature.geometry = geometry_text(geometry)
    feature.vertices = vertex_count(geometry)
    return feature


def geometry_text(geometry: dict) -> str:
    """A geometry as compact GeoJSON text: its type and coordinates, numbers as given."""
    return json.dumps({"type": geometry["type"], "coordinates": geometry["coordinates"]},
                      separators=(",", ":"), allow_nan=False)


def vertex_count(geometry: dict | str) -> int:
    """The positions of a Polygon's or MultiPolygon's rings (each ring's closing one included),
    as the file gives them."""
    if isinstance(geometry, str):
        geometry = json.loads(geometry)
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return sum(len(ring) for polygon in polygons for ring in polygon)


def feature_collection_text(features: Iterable[tuple[dict, str]]) -> str:
    """A FeatureCollection of (properties, geometry text) pairs, one feature a line."""
    body = ",\n".join(
        '{"type":"Feature","properties":'
        + json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
        + ',"geometry":' + geometry + "}" for properties, geometry in features)
    return '{"type":"FeatureCollection","features":[\n' + (body and body + "\n") + "]}\n"
