"""The pure domain: rules and the in-memory snapshot they read. No database, no terminal."""
