"""The input fuzz (issue 11): mutated bundles through `rollover import` and mutated filters
through `rollover forward --test --filter`, on SQLite and PostgreSQL.

Every case runs the real command line in this process (click's runner: no interpreter start per
case) against a database of its own, and is sorted into: taken (exit 0), refused (exit 2), or a
failure: a traceback (an exception escaped, or the output holds "Traceback"), a refusal that
wrote (a refused case must leave every row of every table as it was), a database error (exit 1:
the store refused what the checks let through) or any other exit.  The run exits 1 on any
failure and prints the first ones, with the mutations that made them.

Bundles are the tiny district with its year-end module files (tests/bundles), one to three
mutations each: a cell set to an awkward value (numbers past the whole-number range, NUL and
other control characters, long cells, line breaks, quotes, bad dates, other files' ids), rows
repeated, dropped or cut, bytes inserted, flipped or cut, files emptied, removed or added.  Half
go into an empty store, half into a store holding the district already (with --replace).
Filters are expressions mutated alike, and `@FILE` with odd files (a device, a folder, a pipe, a
file over the size limit, bytes that are not UTF-8 ...).  The same seed makes the same cases.

    python bench/fuzz.py                                            # 500 bundles, 300 filters
    python bench/fuzz.py --bundles 50 --filters 30 --db sqlite --seed 7
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from rollover.bundle.format import BOOL, DATE, ENUM, FILES_BY_NAME, ID, INT, TEXT  # noqa: E402
from rollover.entrypoints.cli import main as rollover  # noqa: E402
from rollover.services.bundles import import_bundle  # noqa: E402
from rollover.store.database import open_engine  # noqa: E402
from rollover.store.schema import metadata  # noqa: E402

from run import drop_database, fresh_database  # noqa: E402  (bench/run.py)

BUNDLES = HERE.parent / "tests" / "bundles"
YEAR = 2027  # the tiny district's current school year

# -- awkward values --------------------------------------------------------------------------------
NUMBERS = ["0", "-1", "+5", " 7 ", "2147483647", "2147483648", "-2147483648", "-2147483649",
           "99999999999999999999", "-99999999999999999999", "0000000000000000000042",
           "9" * 5000, "0" * 5000 + "1", "1e3", "0x10", "1_000", "٣", "12.5", ""]
TEXTS = ["\x00", "a\x00b", "\x01", "x\x07y", "\x7f", "\x1f", "\x1b[31m", "a\tb", "a\nb", "a\rb",
         "a\r\nb", "\x0b", "\x0c", "\x85", "\u2028", "\ufeff", "é", "😀", "\udcff", '"', ",",
         '",', "'; DROP TABLE students; --", " ", "NULL", "x" * 64, "x" * 65, "é" * 65,
         "x" * 10_000, "x" * 10_001, "x" * 100_000, ""]
DATES = ["2026-02-30", "0001-01-01", "9999-12-31", "10000-01-01", "2026-1-1", "20260101",
         "2026-W01-1", "2026-08-24T00:00", "-2026-01-01", ""]
WORDS = ["true", "false", "maybe", "TRUE", " yes ", "primary", "special_ed", "both", "left",
         "promote", "open", ""]
KIND_VALUES = {INT: NUMBERS, DATE: DATES, BOOL: WORDS, ENUM: WORDS, ID: TEXTS, TEXT: TEXTS}


def awkward_value(rng: random.Random, current: str, kind: str | None,
                  known_ids: list[str]) -> str:
    pick = rng.random()
    if kind and pick < 0.5:
        return rng.choice(KIND_VALUES[kind])  # awkward for the column's own kind
    if pick < 0.6 and known_ids:
        return rng.choice(known_ids)  # another file's id: a reference that may or may not fit
    if pick < 0.7:
        return current + rng.choice(TEXTS)
    if pick < 0.75:
        return "".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0x3000)]))
                       for _ in range(rng.randrange(1, 12)))
    return rng.choice(rng.choice([NUMBERS, TEXTS, DATES, WORDS]))


# -- bundles ---------------------------------------------------------------------------------------
def base_bundle() -> dict[str, bytes]:
    files = {}
    for folder in (BUNDLES / "tiny", BUNDLES / "tiny_modules"):
        for path in sorted(folder.glob("*.csv")):
            files[path.name] = path.read_bytes()
    return files


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


def _known_ids(files: dict[str, bytes]) -> list[str]:
    ids = []
    for name, data in files.items():
        rows = _rows(data)
        if rows and name in FILES_BY_NAME and rows[0]:
            ids += [r[0] for r in rows[1:] if r]
    return ids


def mutate_cell(rng, files, ids):
    """A cell (now and then a header's) set to an awkward value, mostly one of its own kind."""
    name = rng.choice(sorted(files))
    rows = _rows(files[name])
    if len(rows) < 2:
        return f"{name}: no row"
    line = 0 if rng.random() < 0.05 else rng.randrange(1, len(rows))  # now and then the header
    if not rows[line]:
        return f"{name}:{line + 1}: blank"
    at = rng.randrange(len(rows[line]))
    spec, header = FILES_BY_NAME.get(name), rows[0]
    kind = spec.column(header[at]).kind if spec and header[at] in spec.column_names else None
    value = awkward_value(rng, rows[line][at], kind if line else None, ids)
    rows[line][at] = value
    files[name] = _csv(rows)
    return f"{name}:{line + 1}: cell {at} = {value[:40]!r}{'...' if len(value) > 40 else ''}"


def mutate_rows(rng, files, ids):
    """A row repeated, dropped, cut short, made wider or blank, or the rows shuffled."""
    name = rng.choice(sorted(files))
    rows = _rows(files[name])
    if len(rows) < 2:
        return f"{name}: too short"
    at = rng.randrange(1, len(rows))
    what = rng.choice(["repeat", "drop", "cut", "widen", "blank", "shuffle"])
    if what == "repeat":
        rows.insert(at, list(rows[at]))
    elif what == "drop":
        del rows[at]
    elif what == "cut":
        rows[at] = rows[at][:rng.randrange(len(rows[at]) or 1)]
    elif what == "widen":
        rows[at] = rows[at] + ["extra"]
    elif what == "blank":
        rows.insert(at, [])
    else:
        body = rows[1:]
        rng.shuffle(body)
        rows = rows[:1] + body
    files[name] = _csv(rows)
    return f"{name}:{at + 1}: row {what}"


def mutate_bytes(rng, files, ids):
    """Bytes inserted, flipped, cut; the file cut short; a NUL, a byte-order mark, other line
    ends or bytes that are not UTF-8."""
    name = rng.choice(sorted(files))
    data = bytearray(files[name])
    at = rng.randrange(len(data) + 1)
    what = rng.choice(["insert", "flip", "cut", "truncate", "nul", "bom", "newlines", "invalid"])
    if what == "insert":
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5)))
    elif what == "flip":
        if data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
    elif what == "cut":
        del data[at:at + rng.randrange(1, 20)]
    elif what == "truncate":
        del data[at:]
    elif what == "nul":
        data[at:at] = b"\x00"
    elif what == "bom":
        data[0:0] = b"\xef\xbb\xbf"
    elif what == "newlines":
        data = bytearray(bytes(data).replace(b"\r\n", rng.choice([b"\n", b"\r", b"\n\r"])))
    else:
        data[at:at] = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])
    files[name] = bytes(data)
    return f"{name}: bytes {what} at {at}"


def mutate_files(rng, files, ids):
    """A file removed, emptied, left with a byte-order mark or its header alone, copied to an
    unknown name, or made 200 rows longer (repeating its last row)."""
    name = rng.choice(sorted(files))
    what = rng.choice(["remove", "empty", "mark only", "header only", "unknown", "long"])
    if what == "remove":
        del files[name]
    elif what == "empty":
        files[name] = b""
    elif what == "mark only":
        files[name] = b"\xef\xbb\xbf"
    elif what == "header only":
        files[name] = files[name].split(b"\n", 1)[0] + b"\n"
    elif what == "unknown":
        files["extra.csv"] = files[name]
    else:
        rows = _rows(files[name])
        files[name] = _csv(rows + [list(rows[-1]) for _ in range(200)]) if len(rows) > 1 \
            else files[name]
    return f"{name}: file {what}"


MUTATIONS = (mutate_cell,) * 6 + (mutate_rows,) * 2 + (mutate_bytes,) * 2 + (mutate_files,)


def mutated_bundle(rng: random.Random, base: dict[str, bytes], folder: Path) -> list[str]:
    files = dict(base)
    ids = _known_ids(files)
    done = [rng.choice(MUTATIONS)(rng, files, ids) for _ in range(rng.choice([1, 1, 2, 3]))]
    if not files:
        files["students.csv"] = b""
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return done


# -- filters ---------------------------------------------------------------------------------------
EXPRESSIONS = [
    'grade in ("08", "09") and last_name startswith "S"',
    'end_action == null and birth_date < "2012-09-01"',
    "graduation_cohort >= 2030 or graduation_cohort == null",
    'not (school_id == "HSA") and service_type != "special_ed"',
    'student_id not in ("S1", "S9",)',
    '(first_name == "Ann" or first_name == "Bob") and start_date <= "2026-08-24"',
    'next_grade == "09" and local_start_status != null',
    "graduation_cohort < -5 and graduation_cohort > 2147483647",
]
PIECES = ['"', "'", "(", ")", ",", "==", "!=", "<", ">=", " and ", " or ", " not ", " in ",
          " startswith ", "null", "\\", "\\\"", "\x00", "\x01", "\n", "\t", "é", "😀", "\udcff",
          "-", "0", " 9" + "9" * 30, " 9" + "9" * 5000, " 0" + "0" * 5000 + "1", " -2147483649",
          " 2147483648", '"\x00"', '"2026-02-30"', '"9999-12-31"', "grade", "GRADE",
          "graduation_cohort", "birth_date", "=", "!", "&", "|", " ", "#"]


def mutated_expression(rng: random.Random) -> str:
    """A good expression with up to three changes: a piece inserted, characters cut, nesting or
    length past the limits, or random characters instead."""
    expression = rng.choice(EXPRESSIONS)
    for _ in range(rng.randrange(4)):  # now and then none: the expression runs
        at = rng.randrange(len(expression) + 1)
        what = rng.random()
        if what < 0.4:
            expression = expression[:at] + rng.choice(PIECES) + expression[at:]
        elif what < 0.6:
            expression = expression[:at] + expression[at + rng.randrange(1, 6):]
        elif what < 0.7:
            expression = "(" * rng.choice([99, 100, 101, 5000]) + expression + ")" * 100
        elif what < 0.75:
            expression = " or ".join([expression] * rng.choice([2, 200, 400]))
        elif what < 0.8:
            expression = "not " * rng.choice([100, 101, 3000]) + expression
        else:
            expression = "".join(chr(rng.randrange(0, 0x250)) for _ in range(rng.randrange(30)))
    return expression


def filter_file(rng: random.Random, folder: Path) -> str:
    """`@PATH` of an odd (or a plain) file of student ids."""
    what = rng.choice(["ids", "nul", "invalid", "empty", "big", "device", "null device",
                       "folder", "pipe", "missing", "link to device"])
    path = folder / f"ids-{rng.randrange(10**9)}.txt"
    if what == "ids":
        path.write_text("# rolled\nS1\n\n  S2  \nS9\n", encoding="utf-8")
    elif what == "nul":
        path.write_bytes(b"S1\x00\nS2\n")
    elif what == "invalid":
        path.write_bytes(b"S1\n\xff\xfe\n")
    elif what == "empty":
        path.write_bytes(b"")
    elif what == "big":
        with path.open("wb") as f:  # sparse: over any sensible limit, costs no disk
            f.truncate(1 << 31)
    elif what == "device":
        return "@/dev/zero"
    elif what == "null device":
        return "@/dev/null"
    elif what == "folder":
        path.mkdir()
    elif what == "pipe":
        os.mkfifo(path)  # nobody writes it: reading it would wait for ever
    elif what == "link to device":
        path.symlink_to("/dev/urandom")
    return f"@{path}"


# -- stores ----------------------------------------------------------------------------------------
def fingerprint(engine) -> str:
    """Every row of every table, as one digest (so a refused --replace that changed a row shows)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            digest.update(f"{table.name}:{len(rows)}:{rows}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def emptied(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())


@dataclass
class Store:
    """A store of one kind, reset to empty or to the tiny district between cases."""

    engine: object
    url: str
    base: Path
    state: str = "dirty"

    def reset(self, state: str) -> None:
        if self.state == state:
            return
        emptied(self.engine)
        if state == "district":
            import_bundle(self.engine, self.base)
        self.state = state


# -- running ---------------------------------------------------------------------------------------
CLEAN = ("taken", "refused")  # any other outcome is a failure


@dataclass
class Tally:
    outcomes: Counter = field(default_factory=Counter)  # (cases, outcome) -> count
    failures: list[str] = field(default_factory=list)

    def add(self, cases: str, outcome: str, case: str, output: str) -> None:
        self.outcomes[cases, outcome] += 1
        if outcome not in CLEAN:
            self.failures.append(f"[{outcome}] {case}\n    " +
                                 "\n    ".join(output.strip().splitlines()[-6:]))

    def line(self, cases: str) -> str:
        counts = {o: n for (c, o), n in sorted(self.outcomes.items()) if c == cases}
        shares = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        return f"{sum(counts.values())} {cases} ({shares})"

    def count(self, outcome: str) -> int:
        return sum(n for (_c, o), n in self.outcomes.items() if o == outcome)


def run_case(runner: CliRunner, store: Store, args: list[str]) -> tuple[str, str]:
    """Run one command line; its outcome and what it printed (with the traceback, if any)."""
    before = fingerprint(store.engine)
    result = runner.invoke(rollover, ["--db", store.url, *args], catch_exceptions=True)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return "traceback", output + "".join(traceback.format_exception(result.exception))
    if "Traceback" in output:
        return "traceback", output
    if result.exit_code == 0:
        store.state = "dirty"
        return "taken", output
    if fingerprint(store.engine) != before:
        store.state = "dirty"
        return "written on refusal", output
    if result.exit_code == 2:
        return "refused", output
    return "database error" if "database error" in output else f"exit {result.exit_code}", output


def fuzz_bundles(store: Store, count: int, rng: random.Random, folder: Path, tally: Tally):
    base = base_bundle()
    runner = CliRunner()
    for number in range(count):
        bundle = folder / f"bundle-{number}"
        done = mutated_bundle(rng, base, bundle)
        replace = rng.random() < 0.5
        store.reset("district" if replace else "empty")
        args = ["import", str(bundle)] + (["--replace"] if replace else [])
        outcome, output = run_case(runner, store, args)
        tally.add("bundles", outcome, f"bundle {number} ({'--replace, ' if replace else ''}"
                                      f"{'; '.join(done)})", output)
        shutil.rmtree(bundle)


def fuzz_filters(store: Store, count: int, rng: random.Random, folder: Path, tally: Tally):
    runner = CliRunner()
    store.reset("district")
    for number in range(count):
        expression = filter_file(rng, folder) if rng.random() < 0.15 else mutated_expression(rng)
        args = ["forward", "--test", "--source-year", str(YEAR), "--filter", expression]
        outcome, output = run_case(runner, store, args)
        shown = expression if len(expression) < 80 else expression[:77] + "..."
        tally.add("filters", outcome, f"filter {number} {shown!r}", output)
        store.state = "district"  # a test run adds its run record only: the district stays


def fuzz_one(kind: str, bundles: int, filters: int, seed: int, folder: Path) -> Tally:
    url = fresh_database(kind, 0, folder, "_fuzz")
    engine = open_engine(url)
    base = folder / "district"
    for source in (BUNDLES / "tiny", BUNDLES / "tiny_modules"):
        shutil.copytree(source, base, dirs_exist_ok=True)
    store = Store(engine, url, base)
    tally = Tally()
    try:
        fuzz_bundles(store, bundles, random.Random(f"{seed}-bundles"), folder, tally)
        fuzz_filters(store, filters, random.Random(f"{seed}-filters"), folder, tally)
    finally:
        engine.dispose()
        drop_database(kind, url)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=int, default=500, help="Mutated bundles per database.")
    parser.add_argument("--filters", type=int, default=300, help="Mutated filters per database.")
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--seed", type=int, default=11, help="The same seed, the same cases.")
    args = parser.parse_args()
    failed = False
    for kind in args.db:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="rollover-fuzz-") as tmp:
            tally = fuzz_one(kind, args.bundles, args.filters, args.seed, Path(tmp))
        print(f"{kind}: {tally.line('bundles')}, {tally.line('filters')} in "
              f"{time.perf_counter() - started:.0f} s: {tally.count('traceback')} tracebacks, "
              f"{tally.count('written on refusal')} refusals that wrote, "
              f"{len(tally.failures)} failures in all", flush=True)
        for failure in tally.failures[:20]:
            print(failure)
        failed = failed or bool(tally.failures)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
