"""Each endpoint of the HTTP API answers what the service the command line calls answers, and
refuses what it refuses, with the status of the contract (docs/http-api.md).  Every test runs
on SQLite and PostgreSQL (`engine`); the district is tests/api_setup.py's."""

from __future__ import annotations

import csv
import io

from rollover.reports.forward import as_json as forward_json
from rollover.reports.runs import runs_json
from rollover.services import district_info, process, projection
from rollover.services.runs import forward_report, list_runs
from rollover.services.security import lock_status

from .api_setup import PASSWORD, api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN

V1 = "/api/v1"


def get(api, path: str, user: str = "ann"):
    return api.client.get(f"{V1}{path}", headers=api.as_user(user))


# -- signing in -------------------------------------------------------------------------------

def test_sign_in_gives_a_token_and_sign_out_ends_it(api):
    answer = api.client.post(f"{V1}/tokens", json={"user": "ann", "password": PASSWORD})
    assert answer.status_code == 201 and set(answer.json()) == {"token", "expires_at"}
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    assert api.client.get(f"{V1}/district", headers=headers).status_code == 200
    assert api.client.delete(f"{V1}/tokens/current", headers=headers).status_code == 204
    is_problem(api.client.get(f"{V1}/district", headers=headers), 401)


def test_a_wrong_password_and_an_unknown_user_get_one_answer(api):
    for body in ({"user": "ann", "password": "wrong password"},
                 {"user": "nobody", "password": PASSWORD}):
        problem = is_problem(api.client.post(f"{V1}/tokens", json=body), 401)
        assert problem["detail"] == "wrong user name or password"


# -- the district -----------------------------------------------------------------------------

def test_district_schools_and_calendars(api):
    assert get(api, "/district").json() == district_info.district_info(api.engine)
    schools = get(api, "/schools?per_page=1&page=2").json()
    assert schools == {"items": [{"school_id": "HSB", "name": "School HSB",
                                  "next_school_id": None}], "page": 2, "per_page": 1, "total": 2}
    calendars = get(api, "/calendars?year=2028").json()
    assert calendars == district_info.calendars(api.engine, 2028).as_json()
    assert [c["calendar_id"] for c in calendars["items"]] == ["HSA28", "HSB28"]
    assert get(api, "/calendars?year=1990").json()["items"] == []


def test_paging_out_of_range_is_refused_naming_the_value(api):
    problem = is_problem(get(api, "/schools?per_page=1001"), 400)
    assert problem["detail"] == "per_page 1001 is out of range (1 to 1,000)"
    problem = is_problem(get(api, "/users?page=0"), 400)
    assert problem["detail"].startswith("page 0 is not a page number")
    problem = is_problem(get(api, "/calendars?year=soon"), 400)
    assert problem["errors"][0]["field"] == "year" and problem["errors"][0]["value"] == "soon"


def test_check_is_check_json_and_refuses_a_year_without_calendars(api):
    check = get(api, "/check?year=2027").json()
    assert check["year"] == 2027 and check["run_id"].startswith("check-")
    assert {"errors", "warnings", "findings"} <= set(check)
    problem = is_problem(get(api, "/check?year=1990"), 400)
    assert problem["detail"] == "no calendar in school year 1990"
    assert is_problem(get(api, "/check"), 400)["errors"][0]["field"] == "year"


def test_projection(api):
    assert get(api, "/projection").json() == projection.projection(api.engine)
    assert get(api, "/projection?year=2028").json()["year"] == 2028
    problem = is_problem(get(api, "/projection?year=1990"), 400)
    assert "no calendars of school year 1990" in problem["detail"]


def test_process_status_and_lock(api):
    assert get(api, "/process").json() == process.status(api.engine)
    assert get(api, "/lock").json() == lock_status(api.engine).as_json()
    assert get(api, "/process?year=2028").json()["school_year"] == 2028
    assert is_problem(get(api, "/process?year=next"), 400)["errors"][0]["value"] == "next"


# -- runs -------------------------------------------------------------------------------------

def test_runs_are_runs_json_paged(api):
    listed = get(api, "/runs").json()
    assert listed["items"] == runs_json(list_runs(api.engine))
    assert listed["total"] == len(listed["items"]) and listed["page"] == 1


def test_a_roll_forward_has_the_keys_of_forward_json_and_a_summary_leaves_the_lists_out(api):
    whole = get(api, f"/runs/{api.run_id}").json()
    expected = forward_json(forward_report(api.engine, api.run_id))
    assert {key: whole[key] for key in expected} == expected
    assert whole["kind"] == "forward" and whole["user"] == ADMIN
    summary = get(api, f"/runs/{api.run_id}?summary=true").json()
    assert "rolled" not in summary and "warnings" not in summary
    assert summary["totals"] == expected["totals"]


def test_another_kind_of_run_has_its_stored_report(api):
    check_id = get(api, "/check?year=2027").json()["run_id"]
    answer = get(api, f"/runs/{check_id}").json()
    assert answer["kind"] == "check" and answer["report"]["year"] == 2027
    assert "rolled" not in answer


def test_an_unknown_run_is_404(api):
    for path in ("/runs/nope", "/runs/nope/rolled", "/runs/nope/warnings",
                 "/runs/nope/warnings/summary", "/runs/nope/report.csv"):
        assert "'nope'" in is_problem(get(api, path), 404)["detail"], path


def test_rolled_is_paged_and_filtered_with_the_rule(api):
    page = get(api, f"/runs/{api.run_id}/rolled?school=HSA").json()
    assert page["total"] == 1 and page["items"][0]["school_id"] == "HSA"
    assert page["items"][0]["rule"] == "RF-8" and page["items"][0]["student_id"] == "SA"
    assert get(api, f"/runs/{api.run_id}/rolled?q=sb").json()["total"] == 1
    problem = is_problem(get(api, f"/runs/{api.run_id}/rolled?school=NOPE"), 400)
    assert problem["detail"] == "unknown school 'NOPE'"


def test_warnings_and_their_summary(api):
    assert get(api, f"/runs/{api.run_id}/warnings").json() == {
        "items": [], "page": 1, "per_page": 100, "total": 0}
    assert get(api, f"/runs/{api.run_id}/warnings/summary").json() == {"items": []}
    problem = is_problem(get(api, f"/runs/{api.run_id}/warnings?code=NOPE"), 400)
    assert problem["detail"].startswith("unknown warning code 'NOPE'")


def test_report_csv_is_report_format_csv(api):
    answer = get(api, f"/runs/{api.run_id}/report.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:3] == ["kind", "student_id", "student_number"]
    assert sorted(row[1] for row in rows[1:]) == ["SA", "SB"]
    check_id = get(api, "/check?year=2027").json()["run_id"]
    is_problem(get(api, f"/runs/{check_id}/report.csv"), 404)


# -- writes -----------------------------------------------------------------------------------

def test_the_lock_by_its_keeper(api):
    headers = api.as_user("keeper")
    assert api.client.put(f"{V1}/lock", json={"locked": True}, headers=headers).json()["locked"]
    assert get(api, "/district", "keeper").json()["locked"] is True
    assert not api.client.put(f"{V1}/lock", json={"locked": False},
                              headers=headers).json()["locked"]


def test_users_added_with_a_password_sign_in(api):
    headers = api.as_user(ADMIN)
    added = api.client.post(f"{V1}/users", headers=headers,
                            json={"name": "cy", "password": PASSWORD, "full_name": "Cy"})
    assert added.status_code == 201 and added.json()["user"] == "cy"
    assert api.token("cy")
    names = [u["user"] for u in get(api, "/users").json()["items"]]
    assert "cy" in names and ADMIN in names
    problem = is_problem(api.client.post(f"{V1}/users", headers=headers,
                                         json={"name": "cy", "password": PASSWORD}), 400)
    assert problem["detail"] == "user 'cy' already exists"
    problem = is_problem(api.client.post(f"{V1}/users", headers=headers,
                                         json={"name": "dee", "password": "short"}), 400)
    assert "at least 8 characters" in problem["detail"] and "short" not in problem["detail"]


def test_rights_granted_and_revoked(api):
    headers = api.as_user(ADMIN)
    granted = api.client.put(f"{V1}/users/ann/rights/calendar", headers=headers,
                             json={"school": "HSB", "read_only": True})
    assert granted.json() == {"right": "calendar", "school": "HSB", "access": "read"}
    revoked = api.client.delete(f"{V1}/users/ann/rights/calendar?school=HSB", headers=headers)
    assert revoked.json() == {"right": "calendar", "school": "HSB", "access": "read"}
    problem = is_problem(api.client.delete(f"{V1}/users/ann/rights/calendar", headers=headers),
                         400)
    assert problem["detail"] == "user 'ann' has no 'calendar' right for all schools"
    problem = is_problem(api.client.put(f"{V1}/users/ann/rights/flying", headers=headers,
                                        json={}), 400)
    assert problem["detail"].startswith("unknown right 'flying'")


def test_an_enrollment_next_year_fields_are_edited_as_rollover_edit_does(api):
    headers = api.as_user("plain")
    answer = api.client.patch(f"{V1}/enrollments/EA", headers=headers,
                              json={"end_action": "retain", "next_grade": "10"})
    assert answer.status_code == 200, answer.text
    edit = answer.json()
    assert edit["table"] == "enrollments" and edit["run_id"].startswith("edit-")
    assert (edit["after"]["end_action"], edit["after"]["next_grade"]) == ("retain", "10")
    assert edit["before"]["end_action"] is None
    cleared = api.client.patch(f"{V1}/enrollments/EA", headers=headers,
                               json={"end_action": None}).json()
    assert cleared["after"]["end_action"] is None and cleared["after"]["next_grade"] == "10"
    runs = [r["run_id"] for r in get(api, "/runs").json()["items"]]
    assert edit["run_id"] in runs  # a run of its own: `rollover undo` puts it back


def test_an_edit_refused_names_the_value(api):
    headers = api.as_user("plain")
    problem = is_problem(api.client.patch(f"{V1}/enrollments/EA", headers=headers,
                                          json={"next_calendar_id": "NOPE28"}), 400)
    assert "'NOPE28'" in problem["detail"]
    problem = is_problem(api.client.patch(f"{V1}/enrollments/NOPE", headers=headers,
                                          json={"next_grade": "11"}), 404)
    assert problem["detail"] == "no enrollments record with enrollment_id='NOPE'"
    problem = is_problem(api.client.patch(f"{V1}/enrollments/EA", headers=headers, json={}),
                         400)
    assert problem["detail"].startswith("nothing to change")


def test_backups_listed_and_one_of_an_earlier_year_deleted(api):
    listed = get(api, "/backups").json()
    assert [b["id"] for b in listed["items"]] == [api.backup_id] and listed["total"] == 1
    headers = api.as_user("plain")
    deleted = api.client.delete(f"{V1}/backups/{api.backup_id}", headers=headers)
    assert deleted.status_code == 200 and deleted.json()["deleted"]["id"] == api.backup_id
    assert get(api, "/backups").json()["items"] == []
    problem = is_problem(api.client.delete(f"{V1}/backups/{api.backup_id}", headers=headers),
                         404)
    assert f"no backup {api.backup_id!r}" in problem["detail"]
