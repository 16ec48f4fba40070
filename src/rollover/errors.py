"""Errors every entry point turns into a clear message and an exit status."""


class RolloverError(Exception):
    """A refusal the user can act on; `str()` is the whole message. Exit status 2 by default."""

    exit_status = 2

    def details(self) -> list[str]:
        """Lines printed before the message (e.g. every problem of a bundle)."""
        return []
