"""Drives the original module (../shared/seed/compound_task_manager.py) for the claude-cli
overhead benchmark (bench/claude-cli-overhead.ts): a stub planner returns the given plan, the
`claude` on PATH is the benchmark's fake, and the ledger goes to a temporary file. Prints one
JSON line per run: {"seconds": wall time from submit to a finished task, "subtasks": n}.

usage: python3 original_driver.py SEED_MODULE PLAN_JSON LEDGER_PATH RUNS
"""

import json
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path


def load_module(seed: str, plan: dict):
    package = Path(tempfile.mkdtemp(prefix="symbiont-original-")) / "original"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(seed, package / "compound_task_manager.py")
    # The stub planner: the plan as the original's planner would return it, no model call.
    (package / "planner.py").write_text(
        "import json, uuid\n"
        "from datetime import datetime, timezone\n"
        "PLAN = None\n"
        "def plan_task(prompt):\n"
        "    now = datetime.now(timezone.utc).isoformat()\n"
        "    task_id = 'compound-' + str(uuid.uuid4())\n"
        "    return {'id': task_id, 'prompt': prompt, 'status': 'planned',\n"
        "            'reasoning': PLAN.get('reasoning'), 'created_at': now, 'planned_at': now,\n"
        "            'completed_at': None, 'total_cost': 0,\n"
        "            'subtasks': [{'id': task_id + '.' + str(i), 'index': i,\n"
        "                          'description': s['description'], 'tier_hint': s.get('tier_hint', 2),\n"
        "                          'tier_assigned': None, 'model': None,\n"
        "                          'depends_on': list(s.get('depends_on', [])), 'status': 'pending',\n"
        "                          'result': None, 'cost': None, 'started_at': None, 'completed_at': None}\n"
        "                         for i, s in enumerate(PLAN['subtasks'])]}\n"
    )
    sys.path.insert(0, str(package.parent))
    import original.compound_task_manager as manager
    import original.planner as planner

    planner.PLAN = plan
    return manager


def main() -> None:
    seed, plan_path, ledger_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    plan = json.loads(Path(plan_path).read_text())
    manager = load_module(seed, plan)
    manager.LEDGER_PATH = Path(ledger_path)
    for _ in range(runs):
        started = time.perf_counter()
        receipt = manager.submit_compound_task("bench")
        task = manager._tasks[receipt["id"]]
        while task["status"] not in ("completed", "partial"):
            time.sleep(0.0005)
        seconds = time.perf_counter() - started
        done = sum(1 for s in task["subtasks"] if s["status"] == "completed")
        if done != len(task["subtasks"]):
            raise SystemExit(f"original: {done} of {len(task['subtasks'])} subtasks completed")
        print(json.dumps({"seconds": seconds, "subtasks": len(task["subtasks"])}), flush=True)


if __name__ == "__main__":
    main()
