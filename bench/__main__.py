"""Run every benchmark module (bench/*_bench.py), or the ones named on the command line.

    python -m bench                                   every bench, default shapes
    python -m bench chaos_soak_bench --minutes 2 store_bench

Options after a name belong to that bench, up to the next bench name: the bench then runs as
`python -m bench.NAME OPTIONS` would run it. A bench named without options runs its `main()`.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from pathlib import Path

USAGE = "usage: python -m bench [NAME [OPTIONS...]]..."


def bench_names() -> list[str]:
    return sorted(path.stem for path in Path(__file__).parent.glob("*_bench.py"))


def split_runs(argv: list[str], names: list[str]) -> list[tuple[str, list[str]]]:
    """(bench name, its options) in command-line order; ValueError for an option before any
    name or a word that is neither a bench nor an option's value."""
    runs: list[tuple[str, list[str]]] = []
    for word in argv:
        if word in names:
            runs.append((word, []))
        elif not runs:
            raise ValueError(f"{word!r} is not a bench (one of: {', '.join(names)})")
        else:
            runs[-1][1].append(word)
    return runs


def run_one(name: str, options: list[str]) -> int:
    """The bench's exit status (0 when its main() returns nothing)."""
    print(f"== {name}", flush=True)
    if not options:
        status = importlib.import_module(f"bench.{name}").main()
        return status if isinstance(status, int) else 0
    saved_argv = sys.argv
    sys.argv = [f"bench.{name}", *options]
    try:
        runpy.run_module(f"bench.{name}", run_name="__main__", alter_sys=True)
    except SystemExit as leaving:
        return leaving.code if isinstance(leaving.code, int) else (0 if leaving.code is None
                                                                    else 1)
    finally:
        sys.argv = saved_argv
    return 0


def main(argv: list[str]) -> int:
    names = bench_names()
    try:
        runs = split_runs(argv, names) if argv else [(name, []) for name in names]
    except ValueError as error:
        print(f"{USAGE}\nbench: {error}", file=sys.stderr)
        return 2
    statuses = [run_one(name, options) for name, options in runs]
    return max(statuses, default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
