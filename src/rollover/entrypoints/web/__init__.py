"""The HTTP API (docs/http-api.md): `app.create_app(engine)`, like `entrypoints/cli` a thin
layer over the services and `rollover.reports`; the web pages are to come beside it."""
