"""Every table of the store in one `metadata`: the district's (schema_district.py), the year-end
modules' (schema_modules.py) and the process's (schema_process.py).  Import tables from here; the
three files import only `metadata.py`, so none of them imports another."""

from . import schema_modules, schema_process  # noqa: F401  (their tables join the metadata)
from .metadata import NAMING, metadata  # noqa: F401
from .schema_district import *  # noqa: F401,F403  (the district's tables, by name)
