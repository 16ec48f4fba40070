"""`python -m rollover`: the same as the `rollover` command."""

from .cli import main

main()
