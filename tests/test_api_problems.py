"""Every error of the HTTP API is a problem object (RFC 9457, application/problem+json) with
every problem found, each naming its field and value; an unexpected failure is a 500 without a
stack trace or SQL (logged on the server); the OpenAPI document declares them.  Every test runs
on SQLite and PostgreSQL (`engine`)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from rollover.entrypoints.web import district as district_routes

from .api_setup import api, is_problem, quick_hashes  # noqa: F401 - fixtures

V1 = "/api/v1"


def test_a_refusal_is_problem_json_with_a_type_per_status(api):
    problem = is_problem(api.client.get(f"{V1}/district"), 401)
    assert problem["type"] == "urn:rollover:problem:not-signed-in"
    assert problem["title"] == "Not signed in"
    assert list(problem) == ["type", "title", "status", "detail", "errors"]


def test_every_problem_of_a_request_is_listed_with_its_field_and_value(api):
    answer = api.client.patch(f"{V1}/enrollments/EA", headers=api.as_user("plain"),
                              json={"next_grade": 5, "end_action": ["retain"], "bogus": 1})
    problem = is_problem(answer, 400)
    by_field = {entry["field"]: entry for entry in problem["errors"]}
    assert set(by_field) == {"next_grade", "end_action", "bogus"}, problem
    assert by_field["next_grade"]["value"] == 5 and "5" in by_field["next_grade"]["message"]
    assert by_field["end_action"]["value"] == ["retain"]
    assert by_field["bogus"]["message"] == "unknown field 'bogus'"
    assert problem["detail"].startswith("3 problems: ")


def test_an_edit_with_a_bad_value_names_it(api):
    answer = api.client.patch(f"{V1}/enrollments/EA", headers=api.as_user("plain"),
                              json={"end_action": "sideways"})
    problem = is_problem(answer, 400)
    assert "'sideways'" in problem["detail"] and problem["errors"] == [
        {"message": problem["detail"]}]


def test_a_password_is_never_said_back(api):
    answer = api.client.post(f"{V1}/tokens", json={"user": "ann", "password": 31415926535})
    problem = is_problem(answer, 400)
    assert problem["errors"] == [{"message": "password: input should be a valid string",
                                  "field": "password"}]
    assert "31415926535" not in answer.text


def test_a_body_that_is_no_json_is_400(api):
    answer = api.client.put(f"{V1}/lock", content=b"{locked: yes",
                            headers={**api.as_user("keeper"),
                                     "Content-Type": "application/json"})
    assert is_problem(answer, 400)["errors"][0]["field"] == "body"


def test_unknown_routes_and_methods_are_problems(api):
    headers = api.as_user("ann")
    problem = is_problem(api.client.get(f"{V1}/nothing", headers=headers), 404)
    assert problem["detail"] == f"no such endpoint: GET {V1}/nothing"
    problem = is_problem(api.client.post(f"{V1}/district", headers=headers), 405)
    assert problem["detail"] == f"{V1}/district does not answer POST"


def test_an_unexpected_failure_is_a_500_without_trace_or_sql(api, monkeypatch, caplog):
    def broken(_engine):
        raise OperationalError("SELECT password_hash FROM users WHERE 1", {}, Exception("boom"))

    monkeypatch.setattr(district_routes.district_info, "district_info", broken)
    headers = api.as_user("ann")
    with caplog.at_level(logging.INFO, logger="rollover.web"):
        answer = api.client.get(f"{V1}/district", headers=headers)
    problem = is_problem(answer, 500)
    for secret in ("SELECT", "password_hash", "Traceback", "boom", "File "):
        assert secret not in answer.text, answer.text
    assert "the server's log has the details" in problem["detail"]
    logged = [r for r in caplog.records if r.name == "rollover.web"]
    assert any(r.exc_info for r in logged)  # the traceback is logged on the server
    assert any(r.getMessage().startswith(f"GET {V1}/district 500 user=ann") for r in logged)


def test_each_request_is_logged_with_its_user_and_run(api, caplog):
    headers = api.as_user("ann")
    with caplog.at_level(logging.INFO, logger="rollover.web"):
        api.client.get(f"{V1}/runs/{api.run_id}/warnings?q=secret", headers=headers)
        api.client.get(f"{V1}/lock")
    lines = [r.getMessage() for r in caplog.records if r.name == "rollover.web"]
    assert any(line.startswith(f"GET {V1}/runs/{api.run_id}/warnings 200 user=ann "
                               f"run={api.run_id} ") for line in lines), lines
    assert any(line.startswith(f"GET {V1}/lock 401 user=- ") for line in lines), lines
    assert not any("secret" in line for line in lines)


def test_the_openapi_document_declares_the_problems(api):
    document = api.client.get(f"{V1}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "Problem" in document["components"]["schemas"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            answers = operation["responses"]
            assert "422" not in answers, (method, path)
            for status, answer in answers.items():
                if status[0] in "45":
                    assert list(answer["content"]) == ["application/problem+json"], \
                        (method, path, status)
            if (method, path) not in (("get", f"{V1}/openapi.json"), ("post", f"{V1}/tokens")):
                assert "401" in answers and operation.get("security"), (method, path)
    assert "423" in document["paths"][f"{V1}/lock"]["put"]["responses"]
    assert "429" in document["paths"][f"{V1}/tokens"]["post"]["responses"]
