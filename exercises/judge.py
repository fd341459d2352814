"""The notebook's judge: a separate process that draws a test's cases and judges the results.

exercises.student starts it once per kernel (``python -m exercises.judge``) and talks to it
in JSON lines over its stdin and stdout:

    {"op": "cases", "test": "ex1_1_tests", "hidden": false}
        -> {"ok": true, "token": "...", "cases": [[step, ...], ...], "functions": [...]}
    {"op": "verdict", "token": "...", "reports": [[report, ...], ...]}
        -> {"ok": true, "passed": false, "message": "..."}

It runs outside the kernel, so the reference answers it imports never enter the learner's
namespace. Nothing it receives is ever executed: reports are decoded as plain data.
"""

import json
import secrets
import sys


def serve(stdin=sys.stdin, stdout=sys.stdout):
    from .checks import task as find_task
    from .checks.engine import draw_cases, verdict

    pending = {}
    for line in stdin:
        try:
            request = json.loads(line)
            if request.get("op") == "cases":
                task = find_task(str(request.get("test")))
                cases = draw_cases(task, hidden=bool(request.get("hidden")))
                token = secrets.token_hex(8)
                pending[token] = (task, cases)
                while len(pending) > 50:  # tests a learner started and never finished
                    pending.pop(next(iter(pending)))
                reply = {"ok": True, "token": token, "cases": [task.probe_steps(c) for c, _ in cases],
                         "functions": list(task.functions)}
            elif request.get("op") == "verdict":
                task, cases = pending.pop(str(request.get("token")))
                message, _ = verdict(task, cases, request.get("reports"))
                reply = {"ok": True, "passed": message is None, "message": message or ""}
            else:
                reply = {"ok": False, "message": f"unknown request {request.get('op')!r}"}
        except Exception as exc:  # a bad request must not end the judge: answer it and go on
            reply = {"ok": False, "message": f"{type(exc).__name__}: {exc}"}
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
