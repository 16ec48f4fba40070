"""The OpenAPI the server publishes is true: schemathesis reads `GET /api/v1/openapi.json` from
the live app and sends each operation requests generated from it (valid ones and broken ones),
signed in as the district's administrator; no answer may be a server error, and every answer
must match the document (status, content type, body schema, headers).

Bounded: a few examples an operation, derandomized, so the run is the same every time.  On
SQLite with the API tests' district (tests/api_setup.py): the document is the same on either
database, and the other API tests run each endpoint on both.  A generated run of every
operation, it runs with the slow tests (`python -m pytest -m slow`), which CI runs too.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, settings

from rollover.services.sign_in import NotSignedIn, signed_in
from rollover.store.database import open_engine

from rollover.domain import sign_in as sign_in_rules

from .api_setup import QUICK_HASHER, Api, district_with_users
from .conftest import migrated_sqlite
from .security_setup import ADMIN

EXAMPLES = 12
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template) -> Api:
    folder = tmp_path_factory.mktemp("schema")
    engine = open_engine(migrated_sqlite(sqlite_template, folder / "rollover.db"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sign_in_rules, "hasher", QUICK_HASHER)
        api = district_with_users(engine, folder)
        yield api
    api.client.close()
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(live):
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", live.client.app)


class AdminToken:
    """The administrator's token, signed in again when a generated request revoked it (`DELETE
    /api/v1/tokens/current` is one of the operations) or locked the district (a sign-in the
    administrator still passes)."""

    def __init__(self, api: Api):
        self.api = api
        self.value = api.token(ADMIN)

    def headers(self) -> dict[str, str]:
        try:
            signed_in(self.api.engine, self.value)
        except NotSignedIn:
            self.value = self.api.token(ADMIN)
        return {"Authorization": f"Bearer {self.value}"}


@pytest.fixture(scope="module")
def admin(live) -> AdminToken:
    return AdminToken(live)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_openapi_and_none_is_a_server_error(case, admin):
    # Every check but one: a request the document allows may still be refused by the district
    # (`?year=1990`, a school year without calendars, is a 400 by the contract).
    case.call_and_validate(headers=admin.headers(),
                           excluded_checks=[checks.positive_data_acceptance])
