"""The projection page: next year's enrollment per school and grade against this year's, and the
flows of students between schools (`services.projection`, the API's `GET /projection`), drawn by
`static/projection.js` from the charts of `reports.projection_charts` (a run's HTML report draws
the same), made of the same numbers the page's tables show; when the district has attendance
areas, a map of them per grade span (`reports.area_map`, plain SVG: no script), each area with
the students projected at its school."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from ....errors import RolloverError
from ....reports.area_map import area_maps, area_maps_html
from ....reports.projection_charts import projection_charts
from ....services.area_map import attendance_areas
from ....services.projection import projection as projected
from ..context import District
from .form_values import optional_year
from .rendering import render
from .session import signed_in_pages

pages = signed_in_pages()


@pages.get("/projection")
def projection(request: Request, engine: District,
               year: Annotated[str | None, Query()] = None) -> Response:
    """The projection of `year` (default: the year after the district's current one); a year
    the service refuses is shown beside the year picker, with the refusal's status."""
    context = {"title": "Projection", "active": "projection", "year": year or "",
               "projection": None, "error": None, "area_maps": ""}
    try:
        found = projected(engine, optional_year(year))
    except RolloverError as refused:
        return render(request, "projection.html", {**context, "error": str(refused)},
                      status=refused.http_status)
    return render(request, "projection.html", {
        **context, "year": found["year"], "projection": found,
        "charts": projection_charts(found),
        "area_maps": area_maps_html(area_maps(attendance_areas(engine), found)),
        "names": {s["school_id"]: s["name"] for s in found["schools"]}})
