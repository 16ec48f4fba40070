"""`rollover check` (YE-1): placeholder until its module is written."""

import click


@click.command("check")
def check_command():
    """Readiness check (YE-1)."""
