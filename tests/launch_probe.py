"""A child for tests/test_launch.py: reports what it was started with, then exits as told.

`main([report, code, seconds])` writes a JSON report to `report`, a line to stderr, sleeps
`seconds` and returns `code` (`raise` instead raises an error).
"""
from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    report, code, seconds = argv
    with open(report, "w") as fh:
        json.dump({"argv": argv, "sys_argv": sys.argv, "cwd": os.getcwd(), "probe": os.environ.get("VEILLE_PROBE"),
                   "stdin": sys.stdin.read(), "session_leader": os.getsid(0) == os.getpid(), "pid": os.getpid()}, fh)
    print("probe says hello", file=sys.stderr)
    time.sleep(float(seconds))
    if code == "raise":
        raise RuntimeError("the probe was told to fail")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
