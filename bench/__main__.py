"""`python -m bench`: run every `bench/*_bench.py` module's `main()` in turn, in name order.

Generic on purpose: a new bench is a new `*_bench.py` file with a `main()` (sync, or async — it is
then run with asyncio). Exit code 1 when any bench failed or returned a non-zero code.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_all(only: list[str]) -> int:
    if str(HERE.parent) not in sys.path:
        sys.path.insert(0, str(HERE.parent))
    failed = []
    for path in sorted(HERE.glob("*_bench.py")):
        if only and path.stem not in only:
            continue
        print(f"== {path.stem}", flush=True)
        started = time.perf_counter()
        saved_argv = sys.argv
        sys.argv = [str(path)]  # each bench parses its own (absent) arguments: its defaults apply
        try:
            module = importlib.import_module(f"bench.{path.stem}")
            result = module.main()
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            if isinstance(result, int) and result != 0:
                failed.append(path.stem)
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                failed.append(path.stem)
        except Exception:
            traceback.print_exc()
            failed.append(path.stem)
        finally:
            sys.argv = saved_argv
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_all(sys.argv[1:]))
