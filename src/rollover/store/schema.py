"""Every table of the store in one `metadata`: the district's (schema_district.py), the year-end
modules' (schema_modules.py), the process's (schema_process.py) and the server's: sign-in and jobs
(schema_server.py).  Import tables from here; the files import only `metadata.py`, so none of
them imports another."""

from . import schema_modules, schema_process, schema_server  # noqa: F401  (they join the metadata)
from .metadata import NAMING, metadata  # noqa: F401
from .schema_district import *  # noqa: F401,F403  (the district's tables, by name)
