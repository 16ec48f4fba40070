"""`python -m rollover`: the same as the `rollover` command."""

from .entrypoints.cli import main

main()
