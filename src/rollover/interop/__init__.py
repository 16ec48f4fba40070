"""Other formats of a district: Ed-Fi bulk XML in and out, OneRoster 1.2 CSV out (docs/interop.md).

An adapter beside the store: it reads and writes files and knows nothing of the database; the
services put it together with the store.  `xsd/` holds the official Ed-Fi 5.2 bulk XML schemas
and five of Ed-Fi's default descriptor sets, byte-identical copies (Apache License 2.0, see
`xsd/LICENSE` and `xsd/README.md`), so validation needs no network.
"""

from pathlib import Path

XSD_FOLDER = Path(__file__).with_name("xsd")
