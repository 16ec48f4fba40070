"""Everything a user reads, rendered from what the services return: the objects `--json`
prints, text lines and CSV rows.  No printing: the entry points write them out."""
