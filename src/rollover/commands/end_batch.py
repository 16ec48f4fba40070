"""`rollover end-batch` and `rollover cleanup` (YE-15): placeholder until written."""

import click


@click.command("end-batch")
def end_batch_command():
    """End batch (YE-15)."""


@click.command("cleanup")
def cleanup_command():
    """Clean-up (YE-15)."""
