"""Errors every entry point turns into a clear message and an exit status, or a problem object."""

# Problem titles by status (RFC 9457's "title": the same for every problem of that status).
TITLES = {400: "Refused", 401: "Not signed in", 403: "No right", 404: "Not found",
          409: "Busy or needs confirmation", 413: "Too large", 423: "Locked",
          429: "Too many attempts", 500: "Failed unexpectedly", 503: "Unavailable"}


class RolloverError(Exception):
    """A refusal the user can act on; `str()` is the whole message. Exit status 2 by default;
    `http_status` is the status of its problem object (400: a refused option or input)."""

    exit_status = 2
    http_status = 400

    def __init__(self, message: str = "", details: list[str] | None = None):
        super().__init__(message)
        self._details = list(details or [])

    def details(self) -> list[str]:
        """Lines printed before the message (e.g. every problem of a bundle)."""
        return getattr(self, "_details", [])

    def problem_entries(self) -> list[dict]:
        """Every problem found, each {"message": ...} (with "file", "line", "column" ... where
        they apply): the details, else the message itself."""
        return [{"message": line} for line in self.details()] or [{"message": str(self)}]

    def problem_extensions(self) -> dict:
        """Members of its problem object besides the standard ones (RFC 9457's extensions)."""
        return {}


def problem_details(error: RolloverError) -> dict:
    """The refusal as a problem object (RFC 9457's members but "type"): title, status, detail
    (the message) and errors (every problem)."""
    status = error.http_status
    return {"title": TITLES.get(status, "Refused"), "status": status, "detail": str(error),
            "errors": error.problem_entries(), **error.problem_extensions()}
