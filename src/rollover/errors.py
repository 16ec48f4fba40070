"""Errors every entry point turns into a clear message and an exit status."""


class RolloverError(Exception):
    """A refusal the user can act on; `str()` is the whole message. Exit status 2 by default."""

    exit_status = 2

    def __init__(self, message: str = "", details: list[str] | None = None):
        super().__init__(message)
        self._details = list(details or [])

    def details(self) -> list[str]:
        """Lines printed before the message (e.g. every problem of a bundle)."""
        return getattr(self, "_details", [])
