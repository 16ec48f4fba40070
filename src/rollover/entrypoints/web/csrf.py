"""The web session's cookie and its CSRF token (docs/sign-in.md, "The pages").

A web session is a `session` token (services.sign_in) kept in the `rollover_session` cookie.
A browser sends that cookie with every request to the server, those another site makes it send
too; so a request that writes with the cookie must also show the session's CSRF token, which
only the server's own pages know: in the form field `csrf_token` or the `X-CSRF-Token` header.
The token is an HMAC of the session's secret: the secret itself never leaves the server, and a
token of one session is worth nothing in another."""

from __future__ import annotations

import hashlib
import hmac

from ...errors import RolloverError

SESSION_COOKIE = "rollover_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# The methods that may write: each needs the token; the others never write.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PURPOSE = b"rollover web forms"


class CsrfRefused(RolloverError):
    """A request that writes with the session cookie but without its session's CSRF token."""

    http_status = 403


def csrf_token(secret: str) -> str:
    """The token the session's forms and scripts send: HMAC-SHA256 of the secret."""
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def check_csrf(secret: str | None, presented: str | None, *, where: str) -> None:
    """Refuse (CsrfRefused) unless `presented` is the token of the session whose secret is
    `secret`.  `where` says where the token was looked for."""
    if not presented:
        raise CsrfRefused(f"refused: the request writes with the session cookie but has no "
                          f"CSRF token ({where}); nothing was written")
    if not secret or not hmac.compare_digest(csrf_token(secret).encode(),
                                             presented.encode("utf-8", "surrogatepass")):
        raise CsrfRefused(f"refused: the CSRF token ({where}) is not this session's; nothing "
                          "was written")
