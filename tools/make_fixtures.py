"""Regenerates every fixture in tests/fixtures from a real PyTorch.

Run with Debian's PyTorch (apt-get install -y python3-torch): /usr/bin/python3 tools/make_fixtures.py
Each tools/fixtures/<area>.py writes tests/fixtures/<area>.json; this script runs them all, or only those named:
  /usr/bin/python3 tools/make_fixtures.py ops optim
"""
import pathlib
import runpy
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fixtures"))  # so the scripts can import _common


def main():
    names = sys.argv[1:] or sorted(p.stem for p in (HERE / "fixtures").glob("*.py") if not p.stem.startswith("_"))
    print(f"PyTorch {torch.__version__}")
    for name in names:
        print(f"fixtures: {name}")
        runpy.run_path(str(HERE / "fixtures" / f"{name}.py"), run_name="__main__")


if __name__ == "__main__":
    main()
