"""A report on standard output: its lines as they are, its tables drawn with Rich on a terminal
and as the report's plain text anywhere else (a pipe, a file, a test), where nothing may wrap a
line or colour it."""

from __future__ import annotations

from collections.abc import Iterable

import click
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table as RichTable

from ...reports.table import Table

UNBOUNDED = 100_000  # characters: wider than any table


def echo_report(parts: Iterable[str | Table]) -> None:
    """Each line, and each table, of a report."""
    console = terminal_console()
    for part in parts:
        if isinstance(part, Table) and console is not None:
            print_drawn(console, drawn(part))
        else:
            click.echo(part)  # a Table prints its plain text


def terminal_console() -> Console | None:
    """A Rich console on standard output when it is a terminal, else None."""
    out = click.get_text_stream("stdout")
    return Console(file=out, highlight=False) if out.isatty() else None


def drawn(table: Table) -> RichTable:
    """The report's table for a terminal: a bold header over a rule, numbers on the right."""
    shown = RichTable(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                      show_edge=False)
    for column in table.columns:
        shown.add_column(column.header, justify="right" if column.numeric else "left")
    for row in table.rows:
        shown.add_row(*row)
    return shown


def print_drawn(console: Console, shown: RichTable) -> None:
    """The table at its natural width: never folded into a narrow terminal (a wider table runs
    on, as any long line does, and its cells stay whole)."""
    natural = Measurement.get(console, console.options.update_width(UNBOUNDED), shown).maximum
    narrow = console.width
    console.width = max(narrow, natural)
    try:
        console.print(shown, crop=False)
    finally:
        console.width = narrow
