"""Learn the truth about one corpus file's mutants by running them (runs under the corpus interpreter).

    python worker.py JOB.json

Only the standard library and NumPy are imported here (the corpus venv has no
libcst or shapelint).  The job (written by ``execute.py``) names the file, its
function units, its mutants as replacement lines, and the budgets; results are
appended to the job's ``out`` file as JSON lines, flushed one by one, so that
whatever was learned before a crash or a kill is kept.

1. The file runs as ``__main__`` (cwd: its folder, which is also first on
   ``sys.path``) under ``sys.settrace``; the first ``max_calls`` calls of each
   unit are recorded with deep copies of their arguments.  The run may raise
   or hit the trace budget part-way: what was recorded is kept.  It stops
   early once every unit has its calls.
2. For each unit, the original and each mutant are rebuilt the same way: the
   unit's top-level statement (the ``def``, or the whole ``class`` for a
   method) is executed in a copy of the run's module globals, from the
   original lines or with the mutated line.  Both are called on fresh deep
   copies of every recorded argument list, with NumPy's and ``random``'s
   seeds reset before each call; the shapes reachable from the result, from
   the arguments after the call (in-place updates) and, for a method, from
   ``self`` are compared.

Corpus code is fenced in by an audit hook: files may only be written under
the repository tree and the temporary HOME, and no process, fork or socket
may be opened.
"""

from __future__ import annotations

import ast
import builtins
import copy
import json
import os
import random
import signal
import sys
import time
import types
import warnings

import numpy as np

MAX_SIG_ENTRIES = 4000
IDLE_CALLS = 2000
SLOW_CALL = 2.0  # seconds: an original slower than this is compared on its first recorded call only


class Budget(BaseException):
    """The wall-clock budget ran out (a BaseException: `except Exception` in corpus code must not eat it)."""


class Saturated(BaseException):
    """Every unit has its recorded calls: nothing more to learn from the run."""


class Idle(BaseException):
    """The current top-level statement made IDLE_CALLS calls of corpus functions without one new
    recording (a training loop): it is stopped there and the run goes on with the next statement.
    Counted in calls, not seconds, so that where a run is cut does not depend on the machine's load."""


def _on_alarm(signum, frame):
    raise Budget()


def _timer(seconds):
    signal.setitimer(signal.ITIMER_REAL, max(0.0, seconds))


# -- fence ------------------------------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_BLOCKED = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
            "os.forkpty", "socket.connect", "socket.bind", "socket.getaddrinfo", "pty.spawn")
_PATH_EVENTS = {"os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.truncate": 1, "os.chmod": 1, "os.chown": 1,
                "os.symlink": 2, "os.link": 2, "os.rename": 2, "os.utime": 1, "shutil.rmtree": 1,
                "shutil.copyfile": 2, "shutil.move": 2, "os.chdir": 0}


def install_fence(allowed):
    roots = [os.path.realpath(a) for a in allowed]

    def inside(path):
        if isinstance(path, int):
            return True  # an already open descriptor
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return real == "/dev/null" or any(real == r or real.startswith(r + os.sep) for r in roots)

    def hook(event, args):
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            writing = (mode is not None and any(c in str(mode) for c in "wax+")) or \
                (mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and not inside(path):
                raise PermissionError(f"the benchmark forbids writing {path!r}")
        elif event.startswith(_BLOCKED):
            raise PermissionError(f"the benchmark forbids {event}")
        elif event in _PATH_EVENTS and event != "os.chdir":
            for path in list(args)[:_PATH_EVENTS[event]]:
                if path is not None and not inside(path):
                    raise PermissionError(f"the benchmark forbids {event} on {path!r}")

    sys.addaudithook(hook)


def _no_input(*args, **kwargs):
    raise RuntimeError("input() is disabled in the benchmark")


def _patch_matplotlib():
    try:
        import matplotlib
        matplotlib.use("Agg", force=True)
        matplotlib.use = lambda *a, **k: None
        import matplotlib.pyplot as plt
        plt.show = lambda *a, **k: None
        plt.pause = lambda *a, **k: None
    except Exception:
        pass


def _close_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:
            pass


# -- recording ---------------------------------------------------------------------------------------


def _nbytes(value, depth=0, seen=None):
    """A bound on the memory a deep copy would take (arrays only; containers walked a few levels)."""
    if seen is None:
        seen = set()
    if id(value) in seen or depth > 6:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_nbytes(v, depth + 1, seen) for v in list(value.values())[:10000])
    if isinstance(value, (list, tuple, set)):
        return sum(_nbytes(v, depth + 1, seen) for v in list(value)[:10000])
    d = getattr(value, "__dict__", None)
    if isinstance(d, dict) and not isinstance(value, (type, types.ModuleType, types.FunctionType)):
        return _nbytes(d, depth + 1, seen)
    return 0


class Recorder:
    def __init__(self, path, units, max_calls, max_bytes, tree):
        self.path = path
        self.tree = os.path.join(tree, "")
        self.max_calls = max_calls
        self.max_bytes = max_bytes
        self.wanted = {}  # (co_name, co_firstlineno) -> unit id
        for u in units:
            self.wanted[(u["qualname"].split(".")[-1], u["start"])] = u["id"]
        self.calls = {u["id"]: [] for u in units}
        self.seen = {u["id"]: 0 for u in units}
        self.too_large = {u["id"]: 0 for u in units}
        self.uncopyable = {u["id"]: 0 for u in units}
        self.open = set(self.calls)
        self.origin = "self"
        self.idle = 0  # calls of corpus functions since the last recording

    def __call__(self, frame, event, arg):
        if event != "call":
            return None
        code = frame.f_code
        filename = code.co_filename
        if not filename.startswith(self.tree):
            return None  # library code (numpy, matplotlib, imports) never counts as idle
        uid = self.wanted.get((code.co_name, code.co_firstlineno)) if filename == self.path else None
        if uid is None or len(self.calls[uid]) >= self.max_calls:
            if uid is not None:
                self.seen[uid] += 1
            self.idle += 1
            if self.idle >= IDLE_CALLS:
                self.idle = 0
                raise Idle()
            return None
        self.seen[uid] += 1
        self.idle = 0
        self._record(uid, frame)
        if len(self.calls[uid]) >= self.max_calls:
            self.open.discard(uid)
            if not self.open:
                raise Saturated()
        return None

    def _record(self, uid, frame):
        code = frame.f_code
        loc = frame.f_locals
        n = code.co_argcount
        names = code.co_varnames
        pos_names = names[:n]
        kw_names = names[n:n + code.co_kwonlyargcount]
        i = n + code.co_kwonlyargcount
        varargs = varkw = None
        if code.co_flags & 0x04:
            varargs = names[i]
            i += 1
        if code.co_flags & 0x08:
            varkw = names[i]
        try:
            pos = [loc[x] for x in pos_names] + list(loc.get(varargs, ()) if varargs else ())
            kw = {x: loc[x] for x in kw_names if x in loc}
            if varkw:
                kw.update(loc.get(varkw, {}))
        except KeyError:
            self.uncopyable[uid] += 1
            return
        if _nbytes((pos, kw)) > self.max_bytes:
            self.too_large[uid] += 1
            return
        try:
            args = copy.deepcopy((pos, kw))
        except Exception:
            self.uncopyable[uid] += 1
            return
        self.calls[uid].append({"args": args, "class_cell": loc.get("__class__"), "origin": self.origin})


# -- shapes ------------------------------------------------------------------------------------------


def signature(value, path, out, depth=0):
    """path -> shape for every array / number reachable from value (a few levels deep)."""
    if len(out) >= MAX_SIG_ENTRIES:
        return
    if isinstance(value, np.ndarray):
        out[path] = tuple(int(d) for d in value.shape)
    elif isinstance(value, (np.generic, int, float, complex)):
        out[path] = ()
    elif depth >= 4:
        return
    elif isinstance(value, dict):
        for k in list(value)[:500]:
            signature(value[k], f"{path}[{k!r}]", out, depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value[:500]):
            signature(v, f"{path}[{i}]", out, depth + 1)
    elif not isinstance(value, (type, types.ModuleType, types.FunctionType, types.MethodType, str, bytes)):
        d = getattr(value, "__dict__", None)
        if isinstance(d, dict):
            for k in list(d)[:500]:
                signature(d[k], f"{path}.{k}", out, depth + 1)


def call_signature(result, pos, kw):
    out = {}
    signature(result, "return", out)
    for i, a in enumerate(pos):
        signature(a, f"arg{i}", out, 1 if i == 0 else 0)
    for k, v in kw.items():
        signature(v, f"arg {k}", out)
    return out


def shape_diff(a, b):
    diffs = []
    for key in sorted(set(a) | set(b)):
        if a.get(key, "absent") != b.get(key, "absent"):
            diffs.append(f"{key}: {_fmt(a.get(key))} -> {_fmt(b.get(key))}")
    return diffs


def _fmt(shape):
    return "absent" if shape is None else str(shape)


# -- building and calling ----------------------------------------------------------------------------


def build(globals_, unit, lines, mutant_line=None, mutant_text=None):
    """The unit's callable, re-executed from its lines (with one line replaced) in a copy of the globals."""
    body = lines[unit["unit_start"] - 1:unit["unit_end"]]
    if mutant_line is not None:
        body = list(body)
        body[mutant_line - unit["unit_start"]] = mutant_text
    code = compile("\n" * (unit["unit_start"] - 1) + "\n".join(body) + "\n", unit["filename"], "exec")
    g = dict(globals_)
    exec(code, g)
    parts = unit["qualname"].split(".")
    obj = g[parts[0]]
    for name in parts[1:-1]:
        obj = getattr(obj, name)
    if len(parts) > 1:
        obj = obj.__dict__[parts[-1]]
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    elif isinstance(obj, property):
        obj = obj.fget
    return obj


class Builder:
    """The unit rebuilt once per namespace it was called from (the file's own run, or the driver's import)."""

    def __init__(self, namespaces, unit, lines, mutant_line=None, mutant_text=None):
        self.args = (unit, lines, mutant_line, mutant_text)
        self.namespaces = namespaces
        self.built = {}

    def get(self, origin):
        if origin not in self.built:
            unit, lines, line, text = self.args
            self.built[origin] = build(self.namespaces.get(origin, self.namespaces.get("self", {})), unit, lines,
                                       line, text)
        return self.built[origin]


def run_script(script, recorder, budget):
    """Run a script as __main__ one top-level statement at a time, going on after a statement that raises
    (as when a notebook's cells are run one by one).  (status, first failure, failures, seconds)."""
    # the script's folder is its cwd and first on sys.path, as for `python script.py` run from there
    folder = os.path.dirname(script)
    os.chdir(folder)
    sys.path[0] = folder
    sys.argv = [script]
    module = types.ModuleType("__main__")
    module.__file__ = script
    module.__builtins__ = builtins
    sys.modules["__main__"] = module
    failures, first = 0, ""
    cut = 0
    status = "completed"
    start = time.perf_counter()
    try:
        with open(script, encoding="utf-8", errors="replace") as f:
            tree = ast.parse(f.read(), script)
    except (SyntaxError, ValueError) as exc:
        return "raised", f"{type(exc).__name__}: {exc}", 1, 0, 0.0
    _timer(budget)
    try:
        for stmt in tree.body:
            code = compile(ast.Module(body=[stmt], type_ignores=[]), script, "exec")
            sys.settrace(recorder)
            try:
                exec(code, module.__dict__)
            except (Saturated, Budget):
                raise
            except Idle:
                cut += 1
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    failures += 1
                    first = first or f"SystemExit: {exc.code}"
                break
            except BaseException as exc:  # the corpus code failed here: go on with the next statement
                failures += 1
                first = first or f"{type(exc).__name__}: {str(exc)[:300]}"
            finally:
                sys.settrace(None)
    except Saturated:
        status = "saturated"
    except Budget:
        status = "timeout"
    finally:
        sys.settrace(None)
        _timer(0)
    return status, first, failures, cut, round(time.perf_counter() - start, 3)


def fix_class_cell(fn, cls):
    """Point a rebuilt method's `__class__` cell (zero-argument super()) at the class of the recorded self."""
    code = getattr(fn, "__code__", None)
    if cls is None or code is None or "__class__" not in code.co_freevars or fn.__closure__ is None:
        return
    fn.__closure__[code.co_freevars.index("__class__")].cell_contents = cls


def call(fn, record, budget):
    """(status, signature or exception, seconds): status ok / raised / timeout."""
    pos, kw = copy.deepcopy(record["args"])
    fix_class_cell(fn, record.get("class_cell"))
    np.random.seed(0)
    random.seed(0)
    start = time.perf_counter()
    _timer(budget)
    try:
        result = fn(*pos, **kw)
        _timer(0)
        sig = call_signature(result, pos, kw)
        return "ok", sig, time.perf_counter() - start
    except Budget:
        return "timeout", None, time.perf_counter() - start
    except (Exception, SystemExit) as exc:
        _timer(0)
        return "raised", exc, time.perf_counter() - start
    finally:
        _timer(0)
        _close_figures()


def synth_record(synth):
    rng = np.random.RandomState(0)
    pos = []
    for p in synth:
        if p["kind"] == "array":
            pos.append(rng.rand(*p["shape"]) if p["shape"] else rng.rand())
        elif p["kind"] == "int":
            pos.append(int(p["value"]))
        else:
            break
    return {"args": (pos, {}), "class_cell": None, "origin": "self"}


# -- main --------------------------------------------------------------------------------------------


def main(job_path):
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    out = open(job["out"], "a", encoding="utf-8", buffering=1)

    def emit(**record):
        out.write(json.dumps(record, default=str) + "\n")
        out.flush()

    path = job["path"]
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    lines = source.splitlines()
    units = job["units"]
    for u in units:
        u["filename"] = path
    warnings.simplefilter("ignore")
    devnull = open(os.devnull, "w")
    sys.stdout = devnull
    sys.stderr = devnull
    builtins.input = _no_input
    signal.signal(signal.SIGALRM, _on_alarm)
    os.chdir(os.path.dirname(path))
    sys.path.insert(0, os.path.dirname(path))
    install_fence(job["allowed"])
    if job.get("matplotlib"):
        _patch_matplotlib()
    warnings.simplefilter("ignore")

    recorder = Recorder(path, units, job["max_calls"], job["max_bytes"], job["tree"])
    runs = [("self", path)]
    if job.get("driver"):
        runs.append(("driver", job["driver"]))
    namespaces = {}
    budget_left = job["trace_budget"]  # one budget for the file's own run and its driver's
    for origin, script in runs:
        if origin == "driver" and not any(not recorder.calls[u["id"]] for u in units):
            break  # every unit was called by the file's own run
        recorder.origin = origin
        if budget_left <= 0:
            break
        recorder.idle = 0
        status, detail, failures, cut, seconds = run_script(script, recorder, budget_left)
        budget_left -= seconds
        emit(type="run", origin=origin, status=status, detail=detail, failures=failures, cut=cut, seconds=seconds)
        main_ns = sys.modules["__main__"].__dict__
        if origin == "self":
            namespaces["self"] = dict(main_ns)
        else:
            imported = [m for m in list(sys.modules.values())
                        if getattr(m, "__file__", None) and os.path.abspath(m.__file__) == path]
            if imported:
                namespaces["driver"] = dict(imported[0].__dict__)
        _close_figures()

    by_unit = {}
    for m in job["mutants"]:
        by_unit.setdefault(m["unit"], []).append(m)
    budget = job["call_budget"]
    for u in units:
        uid = u["id"]
        calls = [c for c in recorder.calls[uid] if c["origin"] in namespaces]
        source_of_calls = "trace"
        if not calls and u.get("synth") is not None and not u["is_method"]:
            calls = [synth_record(u["synth"])]
            source_of_calls = "docstring"
        info = {"type": "unit", "id": uid, "seen": recorder.seen[uid], "recorded": len(recorder.calls[uid]),
                "too_large": recorder.too_large[uid], "uncopyable": recorder.uncopyable[uid],
                "inputs": source_of_calls if calls else None,
                "origins": sorted({c["origin"] for c in calls})}
        mutants = by_unit.get(uid, [])
        if not calls:
            emit(**info, usable=0, reason=None)
            continue
        builder = Builder(namespaces, u, lines)
        usable, failures = [], []
        for record in calls:
            try:
                original = builder.get(record["origin"])
            except BaseException as exc:
                failures.append(f"could not rebuild: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            status1, sig1, secs = call(original, record, budget)
            if status1 != "ok":
                failures.append(status1 if status1 == "timeout" else type(sig1).__name__ + ": " + str(sig1)[:200])
                continue
            status2, sig2, _ = call(original, record, budget)
            if status2 != "ok" or sig2 != sig1:
                failures.append("nondeterministic shapes")
                continue
            usable.append((record, sig1, secs))
            if secs > SLOW_CALL:
                break
        info["arg_shapes"] = [_arg_shapes(r["args"]) for r, _, _ in usable]
        if not usable:
            emit(**info, usable=0, reason="original failed: " + "; ".join(failures[:3]))
            continue
        emit(**info, usable=len(usable), reason=None, failures=failures[:3],
             seconds=round(sum(s for _, _, s in usable), 3))
        for m in mutants:
            emit(type="mutant", id=m["id"], **evaluate(namespaces, u, lines, m, usable, budget))
        # the mutants share the module's mutable globals: check that the original still behaves the same
        drift = False
        for record, sig, _ in usable:
            st, sig_again, _ = call(builder.get(record["origin"]), record, budget)
            if st != "ok" or sig_again != sig:
                drift = True
        emit(type="drift", id=uid, drift=drift)
    emit(type="done")


def evaluate(namespaces, unit, lines, mutant, usable, budget):
    builder = Builder(namespaces, unit, lines, mutant["line"], mutant["after"])
    for n, (record, sig, _) in enumerate(usable):
        try:
            fn = builder.get(record["origin"])
        except BaseException as exc:
            return {"outcome": "crash", "exc_type": type(exc).__name__, "exc": str(exc)[:300], "at": "build"}
        status, got, _ = call(fn, record, budget)
        if status == "timeout":
            return {"outcome": "timeout", "call": n}
        if status == "raised":
            return {"outcome": "crash", "exc_type": type(got).__name__, "exc": str(got)[:300], "call": n}
        diff = shape_diff(sig, got)
        if diff:
            return {"outcome": "silent", "diff": diff[:5], "call": n}
    return {"outcome": "no_effect", "calls": len(usable)}


def _arg_shapes(args):
    pos, kw = args
    shapes = []
    for v in list(pos) + list(kw.values()):
        if isinstance(v, np.ndarray):
            shapes.append(list(v.shape))
    return shapes


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except BaseException as exc:  # a bug of the worker itself: say so in the results, not only on stderr
        with open(json.load(open(sys.argv[1]))["out"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"type": "worker_error", "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        raise
