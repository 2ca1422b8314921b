// Run the exercises' time limit inside real Pyodide (Node.js + the npm package `pyodide`):
// the kernel JupyterLite uses, with no processes, no signals and no threads.
// Usage: node time_limit.mjs <node_modules folder holding pyodide> <src/servicelab>
// Prints one JSON object; tests/test_pyodide.py reads it.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, src] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(modules, "pyodide", "pyodide.mjs")).href);
const py = await loadPyodide();
py.FS.mkdirTree("/kit/servicelab/exercises");
py.FS.writeFile("/kit/servicelab/__init__.py", "");
py.FS.writeFile("/kit/servicelab/exercises/__init__.py", "");
py.FS.writeFile("/kit/servicelab/_check.py", fs.readFileSync(path.join(src, "_check.py")));
for (const name of ["timeouts.py", "traced.py"]) {
  py.FS.writeFile(`/kit/servicelab/exercises/${name}`, fs.readFileSync(path.join(src, "exercises", name)));
}
const result = py.runPython(`
import json, sys, threading, time
sys.path.insert(0, "/kit")
from servicelab.exercises import timeouts
from servicelab.exercises.timeouts import TimeLimitExceeded, call_with_time_limit

found = {"python": sys.version.split()[0], "platform": sys.platform,
         "fork": timeouts.fork_usable(), "signals": timeouts.signals_usable(),
         "threads": timeouts.threads_usable()}
try:
    threading.Thread(target=print).start()
    found["thread_start"] = "started"
except RuntimeError as error:
    found["thread_start"] = f"RuntimeError: {error}"
learner = {}
exec(compile(
    "def forever(x):\\n    while True: pass\\n"
    "def catches(x):\\n    try:\\n        while True: pass\\n    except BaseException:\\n        pass\\n    return 2 * x\\n"
    "def double(x):\\n    return 2 * x\\n",
    "<ipython-input-1-0>", "exec"), learner)
found["quick"] = call_with_time_limit(learner["double"], (21,), seconds=0.5)
for name in ("forever", "catches"):
    started = time.monotonic()
    try:
        call_with_time_limit(learner[name], (1,), seconds=0.5)
        found[name] = None
    except TimeLimitExceeded as stop:
        found[name] = [str(stop), time.monotonic() - started]
found["trace_restored"] = sys.gettrace() is None
json.dumps(found)
`);
console.log(result);
