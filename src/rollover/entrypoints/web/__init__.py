"""The HTTP API (docs/http-api.md) and the web pages beside it (`pages/`, docs/sign-in.md):
`app.create_app(engine)`, like `entrypoints/cli` a thin layer over the services and
`rollover.reports`."""
