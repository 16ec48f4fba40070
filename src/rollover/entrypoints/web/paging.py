"""The API's lists: `page` (from 1) and `per_page` (100 by default, at most 1,000) in the query,
`{"items", "page", "per_page", "total"}` in the answer.  The ranges are the read services'
(`services.reads.check_paging`), which refuse a value out of them naming it."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from ...services.reads import DEFAULT_PER_PAGE, MAX_PER_PAGE

T = TypeVar("T")

PageNumber = Annotated[int, Query(description="The page, from 1.")]
PerPage = Annotated[int, Query(description=f"Items a page, 1 to {MAX_PER_PAGE:,}.")]
FIRST, PER_PAGE = 1, DEFAULT_PER_PAGE


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
