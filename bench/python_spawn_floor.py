"""The floor under the original for the claude-cli overhead benchmark (bench/claude-cli-overhead.ts):
Python spawning the fake `claude` on PATH exactly as the original module does (subprocess.run,
no shell, prompt on stdin, stdout captured, 120 s timeout) from 4 worker threads, with no task
manager around it. Prints one JSON line per run: {"seconds": wall time for all spawns, "spawns": n}.

usage: python3 python_spawn_floor.py SPAWNS RUNS
"""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def spawn_once(_: int) -> None:
    result = subprocess.run(
        ["claude", "-p", "--model", "haiku", "--output-format", "json"],
        input="subtask prompt",
        capture_output=True,
        text=True,
        timeout=120,
    )
    if not result.stdout:
        raise SystemExit("python spawn floor: the fake claude printed nothing")


def main() -> None:
    spawns, runs = int(sys.argv[1]), int(sys.argv[2])
    for _ in range(runs):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as executor:
            list(executor.map(spawn_once, range(spawns)))
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "spawns": spawns}), flush=True)


if __name__ == "__main__":
    main()
