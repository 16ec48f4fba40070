"""A query parameter the endpoint does not take is refused (400, naming it and its value), never
ignored: a misspelt filter (`?shcool=HSA`) would otherwise answer for the whole district."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError


def known_query_parameters(request: Request) -> None:
    """An app-wide dependency: every query parameter must be one the route declares."""
    route = request.scope.get("route")
    known = _declared(route) if getattr(route, "dependant", None) is not None else None
    if known is None:
        return
    unknown = [(name, value) for name, value in request.query_params.multi_items()
               if name not in known]
    if unknown:
        raise RequestValidationError([
            {"type": "extra_forbidden", "loc": ("query", name), "input": value,
             "msg": f"this endpoint takes {', '.join(sorted(known))}" if known
             else "this endpoint takes none"}
            for name, value in unknown])


def _declared(route) -> frozenset[str]:
    names: set[str] = set()
    dependants = [route.dependant]
    while dependants:  # the route's own parameters and its dependencies'
        dependant = dependants.pop()
        names.update(p.alias for p in dependant.query_params)
        dependants.extend(dependant.dependencies)
    return frozenset(names)
