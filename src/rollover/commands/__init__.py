"""`rollover` commands beyond the core ones, one module each; cli.py registers them."""
