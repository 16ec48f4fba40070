"""The kinds of job (docs/jobs.md): each maps a job's params to one service call.

    forward         services.forward.roll_forward    the options of `forward` (source_year
                                                     resolved)
    undo            services.undo.undo               run_id, test, confirm (a module run: YE-9's
                                                     restore)
    module          services.process.run_module      module, options, test, year
    import          services.bundles.import_bundle   folder (a folder the server unpacked),
                    (format edfi: services.          replace, format (bundle or edfi),
                    edfi_import.import_edfi; sync:   sync, confirm
                    services.bundle_sync.sync_bundle)
    backup          services.backup.create_backup    label, school_year, folder (the server's)
    restore_backup  services.backup.restore_in_place backup_id, confirm, folder (the server's)
    export          services.exports.run_export      format, year, file (a new name the server
                                                     chose in its exports folder)
    prepare         services.process.prepare         year, test
    finish          services.process.finish          year, test

A kind checks the shape of its params when the job is submitted (`parse`: every key known, every
value of its type; JobRefused otherwise, nothing written); what needs the district (an unknown
calendar ...) is checked by the service when the job runs, in the run's own transaction, or
before the job by `check` where the kind has one.  `right` is the right checked at submission
(None: checked by the service when it runs, at the schools it changes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ..errors import RolloverError
from ..progress import Progress

# A value's kind: how it is checked, and what the message calls it.
_TEXT, _FLAG, _YEAR, _TEXTS, _NAMED_TEXTS, _DATE = (
    "text", "true or false", "a whole number", "a list of texts", "an object of texts",
    "a date (YYYY-MM-DD)")


class JobRefused(RolloverError):
    """A job that cannot be queued: an unknown kind, an unknown option or one of the wrong type.
    Nothing was written."""


class JobNotFound(RolloverError):
    http_status = 404


@dataclass(frozen=True)
class JobKind:
    name: str
    fields: dict[str, tuple[str, object]]  # option -> (its kind, its default; REQUIRED: none)
    run: Callable[[Engine, dict, str | None, Progress], object]  # -> the service's result
    right: Callable[[dict], str | None]
    run_id_of: Callable[[object], str | None] = lambda result: getattr(result, "run_id", None)
    # The district's checks before a job (engine, params, user): what its run would be refused
    # for now (an unknown calendar, a missing prerequisite, a lock held ...), writing nothing.
    check: Callable[[Engine, dict, str | None], None] | None = None
    refuse: Callable[[dict], str | None] = lambda params: None  # a shape rule across options
    # A job that only reads (an export): queued by any signed-in user, even while locked, as
    # any read is answered.
    reads: bool = False

    def parse(self, params) -> dict:
        """The params with every option, each of its type (defaults filled in), or JobRefused."""
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise JobRefused(f"the options of {_a(self.name)} job are an object, not {params!r}")
        unknown = sorted(set(params) - set(self.fields), key=str)
        if unknown:
            raise JobRefused(f"unknown option {unknown[0]!r} for {_a(self.name)} job (its options:"
                             f" {', '.join(self.fields)})")
        parsed = {}
        for name, (kind, default) in self.fields.items():
            if name not in params or params[name] is None:
                if default is REQUIRED:
                    raise JobRefused(f"{_a(self.name)} job needs the option {name!r}")
                parsed[name] = default
                continue
            parsed[name] = _value(self.name, name, kind, params[name])
        problem = self.refuse(parsed)
        if problem:
            raise JobRefused(problem)
        return parsed


REQUIRED = object()


def _a(kind: str) -> str:
    """"a forward", "an undo"."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def _value(job: str, name: str, kind: str, value):
    ok = {_TEXT: isinstance(value, str),
          _FLAG: isinstance(value, bool),
          _YEAR: isinstance(value, int) and not isinstance(value, bool),
          _TEXTS: isinstance(value, list) and all(isinstance(v, str) for v in value),
          _NAMED_TEXTS: isinstance(value, dict) and all(
              isinstance(k, str) and isinstance(v, str) for k, v in value.items()),
          _DATE: isinstance(value, str)}[kind]
    if ok and kind == _DATE:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            ok = False
    if not ok:
        raise JobRefused(f"option {name!r} of {_a(job)} job must be {kind}, not {value!r}")
    return value


# -- forward ----------------------------------------------------------------------------------

def _forward_options(engine: Engine, params: dict):
    from ..domain.forward.options import ForwardOptions
    from .forward import source_calendars_of_year

    calendars = list(params["source_calendars"])
    if params["source_year"] is not None:
        calendars += source_calendars_of_year(engine, params["source_year"])
    start = params["start_date"]
    return ForwardOptions(
        source_calendars=tuple(calendars), source_grades=tuple(params["source_grades"]),
        filter=params["filter"], service_types=tuple(params["service_types"]),
        source_structure=params["source_structure"],
        local_start_status=params["local_start_status"], dest_calendar=params["dest_calendar"],
        dest_structure=params["dest_structure"], dest_grade=params["dest_grade"],
        start_date=dt.date.fromisoformat(start) if start else None,
        allow_duplicate_primary=params["allow_duplicate_primary"],
        include_last_day_enders=params["include_last_day_enders"], test=params["test"])


def forward_options(engine: Engine, params: dict | None):
    """The roll forward options a forward job of `params` would run with (JobRefused for a
    params' shape it would be refused for): what a Run is compared with its Run Test by."""
    return _forward_options(engine, FORWARD.parse(params))


def _forward(engine: Engine, params: dict, user: str | None, progress: Progress):
    from .forward import roll_forward

    return roll_forward(engine, _forward_options(engine, params), user=user, progress=progress)


def _check_forward(engine: Engine, params: dict, user: str | None) -> None:
    """RF-26 before the job: the options against the district as it is now; then RF-23: the
    roll forward's lock held by another run now."""
    from ..domain.forward.options import resolve
    from ..store.database import reading
    from ..store.snapshot import load_catalog
    from .forward import FORWARD, compile_filter
    from .unit_of_work import refuse_if_busy

    options = _forward_options(engine, params)
    with reading(engine) as conn:
        catalog = load_catalog(conn)
    resolve(options, catalog, compile_filter(options.filter))
    refuse_if_busy(engine, FORWARD, test=params["test"])


def _forward_refusal(params: dict) -> str | None:
    if not params["source_calendars"] and params["source_year"] is None:
        return "a forward job needs 'source_calendars' or 'source_year'"
    return _filter_file_refusal(params)


def _filter_file_refusal(params: dict) -> str | None:
    if (params["filter"] or "").startswith("@"):
        return ("a filter file (@FILE) is read on the command line only: give the filter "
                "expression itself")
    return None


FORWARD = JobKind(
    "forward",
    {"source_calendars": (_TEXTS, []), "source_year": (_YEAR, None),
     "source_grades": (_TEXTS, []), "filter": (_TEXT, None),
     "service_types": (_TEXTS, ["primary"]), "source_structure": (_TEXT, None),
     "local_start_status": (_TEXT, None), "dest_calendar": (_TEXT, None),
     "dest_structure": (_TEXT, None), "dest_grade": (_TEXT, None), "start_date": (_DATE, None),
     "allow_duplicate_primary": (_FLAG, False), "include_last_day_enders": (_FLAG, False),
     "test": (_FLAG, False)},
    _forward, lambda params: "registration", run_id_of=lambda report: report.run.run_id,
    check=_check_forward, refuse=_forward_refusal)


# -- the others -------------------------------------------------------------------------------

def _undo(engine, params, user, progress):
    from .undo import undo

    return undo(engine, params["run_id"], test=params["test"], confirm=params["confirm"],
                user=user, progress=progress)


def _module(engine, params, user, progress):
    from .process import run_module

    return run_module(engine, params["module"], params["options"], test=params["test"],
                      year=params["year"], user=user, progress=progress)


def _check_undo(engine, params, user):
    from .undo import check_undo

    check_undo(engine, params["run_id"], test=params["test"], confirm=params["confirm"],
               user=user)


def _check_module(engine, params, user):
    from .modules import get_module
    from .process import check_module_run, module_operation
    from .unit_of_work import refuse_if_busy

    check_module_run(engine, params["module"], params["options"], test=params["test"],
                     year=params["year"])
    refuse_if_busy(engine, module_operation(get_module(params["module"])), test=params["test"])


def _check_import(engine, params, user):
    from .bundles import IMPORT, IMPORT_ADDING
    from .unit_of_work import refuse_if_busy

    refuse_if_busy(engine, IMPORT if params["replace"] or params["sync"] else IMPORT_ADDING)


def _check_process_step(operation_name: str):
    def check(engine, params, user):
        from . import process
        from .unit_of_work import refuse_if_busy

        refuse_if_busy(engine, getattr(process, operation_name), test=params["test"])
    return check


def _known_module(params: dict) -> str | None:
    from .modules import get_module

    get_module(params["module"])  # ModuleRefused names the modules there are
    return None


def _import(engine, params, user, progress):
    from .bundles import import_bundle
    from .edfi_import import import_edfi
    from .uploads import discard_upload

    service = import_edfi if params["format"] == "edfi" else import_bundle
    try:
        if params["sync"]:
            from .bundle_sync import sync_bundle

            return sync_bundle(engine, Path(params["folder"]), confirm=params["confirm"],
                               progress=progress, user=user)
        return service(engine, Path(params["folder"]), replace=params["replace"],
                       progress=progress, user=user)
    finally:
        discard_upload(params["folder"])  # an upload the server unpacked: read once


def _import_refusal(params: dict) -> str | None:
    if params["format"] not in ("bundle", "edfi"):
        return f"format {params['format']!r}: is one of bundle, edfi"
    if params["replace"] and params["sync"]:
        return "replace and sync: give one"
    if params["sync"] and params["format"] != "bundle":
        return "sync: makes the store equal to a bundle; give format=bundle"
    return None


def _backup(engine, params, user, progress):
    from .backup import create_backup

    return create_backup(engine, label=params["label"], school_year=params["school_year"],
                         folder=params["folder"], user=user, progress=progress)


def _restore_backup(engine, params, user, progress):
    from .backup import restore_in_place

    return restore_in_place(engine, params["backup_id"], folder=params["folder"],
                            confirm=params["confirm"], user=user, progress=progress)


def _check_restore_backup(engine, params, user):
    from .backup import check_restore_in_place

    check_restore_in_place(engine, params["backup_id"], folder=params["folder"],
                           confirm=params["confirm"], user=user)


def _prepare(engine, params, user, progress):
    from .process import prepare

    return prepare(engine, year=params["year"], user=user, test=params["test"],
                   progress=progress)


def _finish(engine, params, user, progress):
    from .process import finish

    return finish(engine, year=params["year"], user=user, test=params["test"])


UNDO = JobKind("undo", {"run_id": (_TEXT, REQUIRED), "test": (_FLAG, False),
                        "confirm": (_FLAG, False)},
               _undo, lambda params: None, check=_check_undo)
MODULE = JobKind("module", {"module": (_TEXT, REQUIRED), "options": (_NAMED_TEXTS, {}),
                            "test": (_FLAG, False), "year": (_YEAR, None)},
                 _module, lambda params: params["module"], check=_check_module,
                 refuse=_known_module)
IMPORT = JobKind("import", {"folder": (_TEXT, REQUIRED), "replace": (_FLAG, False),
                            "format": (_TEXT, "bundle"), "sync": (_FLAG, False),
                            "confirm": (_FLAG, False)},
                 _import, lambda params: "import", check=_check_import, refuse=_import_refusal)
BACKUP = JobKind("backup", {"label": (_TEXT, None), "school_year": (_YEAR, None),
                            "folder": (_TEXT, None)},  # the server's backup folder
                 _backup, lambda params: "backup")
def _export(engine, params, user, progress):
    from .exports import run_export

    return run_export(engine, params["file"], params["format"], params["year"],
                      progress=progress)


def _export_refusal(params: dict) -> str | None:
    if params["format"] not in ("bundle", "edfi", "oneroster"):
        return (f"format {params['format']!r} is not supported: give format=bundle, edfi or "
                "oneroster")
    return None


# A restore makes no run (it puts the district's runs back as they were): the job has no run_id.
RESTORE_BACKUP = JobKind("restore_backup", {"backup_id": (_TEXT, REQUIRED),
                                            "confirm": (_FLAG, False),
                                            "folder": (_TEXT, None)},  # the server's backup folder
                         _restore_backup, lambda params: "backup",
                         run_id_of=lambda result: None, check=_check_restore_backup)
EXPORT = JobKind("export", {"format": (_TEXT, "bundle"), "year": (_YEAR, None),
                            "file": (_TEXT, REQUIRED)},
                 _export, lambda params: None, run_id_of=lambda result: None,
                 refuse=_export_refusal, reads=True)
PREPARE = JobKind("prepare", {"year": (_YEAR, None), "test": (_FLAG, False)},
                  _prepare, lambda params: "maintenance_lock", run_id_of=lambda result: None,
                  check=_check_process_step("PREPARE"))
FINISH = JobKind("finish", {"year": (_YEAR, None), "test": (_FLAG, False)},
                 _finish, lambda params: "maintenance_lock", run_id_of=lambda result: None,
                 check=_check_process_step("FINISH"))



# -- ending the old year (YE-15): the calendars chosen as the command line's --calendar, --year
# and --school choose them, always as one run over them all ----------------------------------

def _calendar_choice(params: dict):
    from ..domain.calendar_choice import CalendarChoice

    return CalendarChoice(tuple(dict.fromkeys(params["calendars"])), params["year"],
                          tuple(dict.fromkeys(params["schools"])))


def _end_batch(engine, params, user, progress):
    from .end_batch import EndBatchOptions, end_batch

    return end_batch(engine, EndBatchOptions(
        calendar_id=_calendar_choice(params), end_date=params["end_date"],
        end_status=params["end_status"], grades=tuple(params["grades"]),
        filter=params["filter"], graduate_status=params["graduate_status"],
        test=params["test"], early=params["early"]), user=user, progress=progress)


def _cleanup(engine, params, user, progress):
    from .end_batch import CleanupOptions, cleanup

    return cleanup(engine, CleanupOptions(calendar_id=_calendar_choice(params),
                                          filter=params["filter"], test=params["test"]),
                   user=user, progress=progress)


_CHOSEN_CALENDARS = {"calendars": (_TEXTS, []), "year": (_YEAR, None), "schools": (_TEXTS, []),
                     "filter": (_TEXT, None), "test": (_FLAG, False)}
END_BATCH = JobKind(
    "end_batch", {**_CHOSEN_CALENDARS, "grades": (_TEXTS, []), "end_date": (_TEXT, REQUIRED),
                  "end_status": (_TEXT, REQUIRED), "graduate_status": (_TEXT, None),
                  "early": (_FLAG, False)},
    _end_batch, lambda params: "registration", run_id_of=lambda report: report.run.run_id,
    refuse=_filter_file_refusal)
CLEANUP = JobKind("cleanup", _CHOSEN_CALENDARS, _cleanup, lambda params: "registration",
                  run_id_of=lambda report: report.run.run_id, refuse=_filter_file_refusal)

KINDS: dict[str, JobKind] = {k.name: k for k in (FORWARD, UNDO, MODULE, IMPORT, BACKUP,
                                                 PREPARE, FINISH, RESTORE_BACKUP, EXPORT,
                                                 END_BATCH, CLEANUP)}


def job_kind(name) -> JobKind:
    if not isinstance(name, str) or name not in KINDS:
        raise JobRefused(f"unknown kind of job {name!r}; the kinds are: {', '.join(KINDS)}")
    return KINDS[name]
