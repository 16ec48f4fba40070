"""The web pages (to come): like `entrypoints/cli`, a thin layer over the services and
`rollover.reports`."""
