"""Run every benchmark module (bench/*_bench.py), or the ones named on the command line."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(path.stem for path in Path(__file__).parent.glob("*_bench.py"))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
