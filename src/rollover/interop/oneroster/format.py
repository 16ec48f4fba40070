"""The OneRoster 1.2 CSV files `rollover export --format oneroster` writes (docs/interop.md,
section 3): each file's header, exactly as the standard spells it, the manifest's files, and the
rows the writer reads, as named tuples in the order the store gives their values."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

MANIFEST_VERSION = "1.0"
ONEROSTER_VERSION = "1.2"
SYSTEM_NAME = "rollover"

HEADERS: dict[str, tuple[str, ...]] = {
    "manifest.csv": ("propertyName", "value"),
    "academicSessions.csv": ("sourcedId", "status", "dateLastModified", "title", "type",
                             "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "orgs.csv": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                 "parentSourcedId"),
    "users.csv": ("sourcedId", "status", "dateLastModified", "enabledUser", "username",
                  "userIds", "givenName", "familyName", "middleName", "identifier", "email",
                  "sms", "phone", "agentSourcedIds", "grades", "password",
                  "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName",
                  "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId",
                  "pronouns"),
    "roles.csv": ("sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
                  "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"),
    "demographics.csv": ("sourcedId", "status", "dateLastModified", "birthDate", "sex",
                         "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                         "nativeHawaiianOrOtherPacificIslander", "white",
                         "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                         "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                         "publicSchoolResidenceStatus"),
    "courses.csv": ("sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                    "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"),
    "classes.csv": ("sourcedId", "status", "dateLastModified", "title", "grades",
                    "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
                    "termSourcedIds", "subjects", "subjectCodes", "periods"),
    "enrollments.csv": ("sourcedId", "status", "dateLastModified", "classSourcedId",
                        "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
                        "endDate"),
}

# Every file the manifest names, in the standard's order: `bulk` if written, else `absent`.
MANIFEST_FILES = (
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems",
    "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
    "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users",
)

# The CEDS grade codes OneRoster's `grades` takes; another state grade leaves `grades` empty.
CEDS_GRADES = frozenset(("IT", "PR", "PK", "TK", "KG", *(f"{n:02d}" for n in range(1, 14)),
                         "PS", "UG", "Other"))

DISTRICT_ORG = "district"


def school_year_session(year: int) -> str:
    """The sourcedId of the school year's own academic session."""
    return f"SY{year}"


# -- the rows the writer reads (each a tuple in this order) -----------------------------------

class Calendar(NamedTuple):
    calendar_id: str
    school_id: str
    start_date: dt.date
    end_date: dt.date


class School(NamedTuple):
    school_id: str
    name: str


class Term(NamedTuple):
    term_id: str
    calendar_id: str
    name: str
    start_date: dt.date
    end_date: dt.date


class Enrollment(NamedTuple):
    """An enrollment of the year with its student's columns; the stream is by student_id."""

    student_id: str
    student_number: str | None
    first_name: str
    last_name: str
    birth_date: dt.date | None
    enrollment_id: str
    school_id: str
    service_type: str
    start_date: dt.date
    end_date: dt.date | None
    state_grade: str | None


class Course(NamedTuple):
    course_id: str
    calendar_id: str
    school_id: str
    number: str
    name: str


class Section(NamedTuple):
    section_id: str
    course_id: str
    calendar_id: str
    school_id: str
    course_name: str
    number: str
    room: str | None


class Schedule(NamedTuple):
    """A student's schedule in a section of the year; `is_user`: the student is enrolled in the
    year (a row of users.csv)."""

    section_id: str
    student_id: str
    school_id: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_user: bool
