"""Run one `rollover` command and write its peak resident memory (KiB) to a file.

    python bench/measure.py PEAK_FILE import BUNDLE_DIR
"""

import resource
import sys
from pathlib import Path

from rollover.entrypoints.cli import main

if __name__ == "__main__":
    peak_file, args = Path(sys.argv[1]), sys.argv[2:]
    try:
        main(args=args, prog_name="rollover")
    finally:
        peak_file.write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
