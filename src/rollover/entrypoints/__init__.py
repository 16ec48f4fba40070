"""The ways in: `cli/` (the `rollover` command) and, later, `web/`.  Each is a thin layer that
calls the services and writes out what `rollover.reports` renders; nothing inside depends on
them."""
