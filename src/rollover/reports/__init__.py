"""Reports of runs as data, text and CSV: no printing, the entry points write them out."""
