"""What looking for installed question packs costs each command that opens the bank.

`load_bank()` looks for installed packs (`questionbank.packs`); `load_bank(use_env=False)` does
not. When no installed distribution declares an ``mlquiz.*`` entry point, a scan of the small
``entry_points.txt`` files (`may_have_packs`) says so, and `importlib.metadata` (whose import,
mostly `email`, is printed last) is never imported. Target: the scan costs well under 10 ms.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable


def best_ms(fn: Callable[[], object], repeat: int = 5, number: int = 50) -> float:
    """The best of `repeat` averages over `number` calls, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1000


def metadata_import_ms(repeat: int = 5) -> float:
    """The best wall time of importing importlib.metadata in a fresh process, minus an empty
    one: what a command would pay if the scan did not rule packs out."""
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start
    bare = min(run("pass") for _ in range(repeat))
    loaded = min(run("import importlib.metadata") for _ in range(repeat))
    return (loaded - bare) * 1000


def main() -> None:
    from questionbank.bank import load_bank
    from questionbank.packs import installed_banks, may_have_packs

    scan = best_ms(may_have_packs)
    print(f"may_have_packs() (the entry_points.txt scan)  {scan:6.2f} ms   target < 10 ms  "
          f"{'ok' if scan < 10 else 'ABOVE TARGET'}   packs installed: {may_have_packs()}")
    print(f"installed_banks()                             {best_ms(installed_banks):6.2f} ms")
    print(f"load_bank()                                   {best_ms(load_bank):6.2f} ms")
    print(f"load_bank(use_env=False) (no pack lookup)     "
          f"{best_ms(lambda: load_bank(use_env=False)):6.2f} ms")
    print(f"import importlib.metadata (avoided)           {metadata_import_ms():6.1f} ms")


if __name__ == "__main__":
    main()
