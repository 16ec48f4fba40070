"""`rollover calendars roll` (YE-10): placeholder until its module is written."""

import click


@click.group("calendars")
def calendars_group():
    """Calendars (YE-10)."""
