"""Run one `rollover` command and write its peak resident memory (KiB) to a file.

    python bench/measure.py PEAK_FILE import BUNDLE_DIR

The peak is the kernel's high-water mark of this process's own memory (`VmHWM`), which starts
afresh when the process starts.  Not `getrusage`'s `ru_maxrss`: Linux carries that across the
fork and exec that start a command, so it never reads below the benchmark's own memory at the
moment it started the command (a benchmark that has parsed a large JSON report is hundreds of
MiB).
"""

import sys
from pathlib import Path

from rollover.entrypoints.cli import main


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM in /proc/self/status: the peak is measured on Linux only")


if __name__ == "__main__":
    peak_file, args = Path(sys.argv[1]), sys.argv[2:]
    try:
        main(args=args, prog_name="rollover")
    finally:
        peak_file.write_text(str(peak_kib()))
