"""OneRoster 1.2 CSV out (docs/interop.md, section 3): one school year of the district as the
files a rostering consumer loads.  Pure: rows in, files out; the service reads the store.

    write_oneroster(folder, SchoolYearRows(...), version=...) -> OneRosterFiles
"""

from .format import HEADERS, MANIFEST_FILES
from .writer import NoCalendars, OneRosterFiles, OneRosterRefused, SchoolYearRows, write_oneroster

__all__ = ["HEADERS", "MANIFEST_FILES", "NoCalendars", "OneRosterFiles", "OneRosterRefused", "SchoolYearRows",
           "write_oneroster"]
