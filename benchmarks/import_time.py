"""Wall time of `import ultralytics_clone` and `from ultralytics_clone import YOLO`, median of N fresh processes.

Run: python benchmarks/import_time.py [--runs 5]
Baselines measured in the same run: an empty interpreter, and `import torch` (what YOLO needs anyway).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass (interpreter start)": "pass",
    "import torch (baseline)": "import torch",
    "import ultralytics_clone": "import ultralytics_clone",
    "from ultralytics_clone import settings": "from ultralytics_clone import settings; settings['runs_dir']",
    "from ultralytics_clone import YOLO": "from ultralytics_clone import YOLO",
}


def time_once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "YOLO_VERBOSE": "false"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, Python {platform.python_version()}")  # noqa: T201
    print(f"{'case':42s} {'median s':>9s} {'min s':>7s} {'max s':>7s}  (n={runs} fresh processes)")  # noqa: T201
    for name, code in CASES.items():
        time_once(code)  # warm the file cache once
        times = [time_once(code) for _ in range(runs)]
        print(f"{name:42s} {statistics.median(times):9.3f} {min(times):7.3f} {max(times):7.3f}")  # noqa: T201


if __name__ == "__main__":
    main()
