"""`shapelint server`'s change-to-diagnostics latency and memory, driven as an editor drives it.

    python bench/bench_server.py [--edits 200] [--debounce 0] [--rss-every N] [--cases abc]
                                 [--notebook PATH] [--sklearn PATH]

Starts ``python -m shapelint server`` as a subprocess and talks JSON-RPC to it
(tests/server/lsp_client.py).  Each edit appends one comment line (a new one each
time) and waits for the publishDiagnostics of that version; the latency is the time
from sending the change to receiving them.  ``--debounce`` is passed as the
server's ``debounce`` initialization option: 0 (the default here) measures the
check itself; editors get the server's 0.3 s pause after the last keystroke on
top (``--debounce 0.3`` measures that).  The server's CPU time per edit (user +
system, from psutil) is printed too: unlike the latency, it hardly depends on
what else the machine runs.

Cases:
a. a course notebook with its helper modules (fixtures/newcomer/step_by_step:
   step_by_step.ipynb imports dnn_utils.py and testCases.py), opened as a
   notebook document; the edits go to its last code cell;
b. scikit-learn's ``linear_model/_ridge.py`` (~3,000 lines), with the sklearn
   package's .py files copied into a temporary folder beside a pyproject.toml
   (``--sklearn``: the _ridge.py to use; skipped with a message when absent);
c. a module with findings whose fixes need re-analyses (fixtures/rules/sl102_matmul.py):
   the findings are published first, then (same version) the messages with the
   checked fixes' hints; both latencies are printed.

Prints, per case, the median and 95th percentile latency and the server's RSS
before and after the edits (``--rss-every 100``: also every 100 edits).  Targets:
median <= 0.2 s (notebook), <= 0.5 s (scikit-learn module); RSS flat over 1,000
edits (``--edits 1000 --rss-every 100 --cases a``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "server"))

from lsp_client import LspClient  # noqa: E402

DEFAULT_NOTEBOOK = REPO / "fixtures" / "newcomer" / "step_by_step" / "step_by_step.ipynb"
DEFAULT_FINDINGS = REPO / "fixtures" / "rules" / "sl102_matmul.py"
DEFAULT_SKLEARN = Path("/tmp/bench-venv/lib/python3.11/site-packages/sklearn/linear_model/_ridge.py")


def rss_mb(pid: int) -> float:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    try:
        import psutil

        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    except ImportError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        import os

        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def start(root: Path, debounce: float) -> LspClient:
    client = LspClient([sys.executable, "-m", "shapelint", "server"], cwd=root, timeout=120)
    client.initialize(root, options={"debounce": debounce, "inlayHints": True})
    return client


def drive(client: LspClient, label: str, edits: int, send_edit, wait_publish, rss_every: int = 0,
          wait_settled=None) -> None:
    """wait_settled: waits for the version's second publish (the checked fixes' hints), if the case has one."""
    pid = client.process.pid
    wait_publish(1, first=True)
    if wait_settled is not None:
        wait_settled(1)
    before = rss_mb(pid)
    latencies, settled, cpu = [], [], []
    for k in range(edits):
        version = k + 2
        spent = cpu_seconds(pid)
        started = time.perf_counter()
        send_edit(version, k)
        wait_publish(version)
        latencies.append(time.perf_counter() - started)
        if wait_settled is not None:
            wait_settled(version)
            settled.append(time.perf_counter() - started)
        cpu.append(cpu_seconds(pid) - spent)
        if rss_every and (k + 1) % rss_every == 0:
            print(f"  after {k + 1} edits: server RSS {rss_mb(pid):.1f} MB", flush=True)
    after = rss_mb(pid)
    print(f"{label}: {edits} edits: median {statistics.median(latencies):.3f} s, "
          f"p95 {percentile(latencies, 0.95):.3f} s, max {max(latencies):.3f} s; "
          f"server CPU per edit median {statistics.median(cpu):.3f} s; "
          f"server RSS {before:.0f} MB before, {after:.0f} MB after", flush=True)
    if settled:
        print(f"  with the checked fixes' hints: median {statistics.median(settled):.3f} s, "
              f"p95 {percentile(settled, 0.95):.3f} s", flush=True)


def bench_notebook(notebook: Path, edits: int, debounce: float, rss_every: int = 0) -> None:
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-nb-") as tmp:
        root = Path(tmp)
        for helper in notebook.parent.iterdir():
            if helper.suffix in (".py", ".ipynb"):
                shutil.copy(helper, root / helper.name)
        (root / "pyproject.toml").write_text("[tool.shapelint]\n")
        nb = json.loads((root / notebook.name).read_text(encoding="utf-8"))
        uri = (root / notebook.name).as_uri()
        cells, documents = [], []
        for k, cell in enumerate(nb["cells"]):
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            code = cell.get("cell_type") == "code"
            cell_uri = f"{uri}#cell{k}"
            cells.append({"kind": 2 if code else 1, "document": cell_uri})
            documents.append({"uri": cell_uri, "languageId": "python" if code else "markdown", "version": 1,
                              "text": text})
        last = max(k for k, c in enumerate(cells) if c["kind"] == 2)
        client = start(root, debounce)
        try:
            client.notify("notebookDocument/didOpen", {"notebookDocument": {
                "uri": uri, "notebookType": "jupyter-notebook", "version": 1, "cells": cells,
                "metadata": nb.get("metadata", {})}, "cellTextDocuments": documents})
            text = documents[last]["text"]
            target = documents[last]["uri"]

            def send(version, k):
                nonlocal text
                text += f"\n# edit {k}"
                client.notify("notebookDocument/didChange", {
                    "notebookDocument": {"uri": uri, "version": version},
                    "change": {"cells": {"textContent": [{"document": {"uri": target, "version": version},
                                                           "changes": [{"text": text}]}]}}})

            def wait(version, first=False):
                client.diagnostics(target, version=None if first else version)

            n_lines = sum(d["text"].count("\n") + 1 for d in documents)
            drive(client, f"(a) notebook {notebook.name} ({len(cells)} cells, {n_lines} lines, with helpers)",
                  edits, send, wait, rss_every)
            client.shutdown()
        finally:
            client.close()


def comment_edits(client: LspClient, uri: str, text: str):
    """The edit the .py cases make: a comment line appended to the module, one more per edit."""
    def send(version, k):
        nonlocal text
        text += f"# edit {k}\n"
        client.change(uri, text, version)
    return send


def bench_findings(module: Path, edits: int, debounce: float, rss_every: int = 0) -> None:
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-fx-") as tmp:
        root = Path(tmp)
        path = root / module.name
        shutil.copy(module, path)
        (root / "pyproject.toml").write_text("[tool.shapelint]\n")
        client = start(root, debounce)
        try:
            text = path.read_text(encoding="utf-8")
            uri = client.open(path, text)
            send = comment_edits(client, uri, text)

            check = subprocess.run([sys.executable, "-m", "shapelint", "check", path.name, "--format", "json",
                                    "--no-cache"], cwd=root, capture_output=True, text=True)
            expected = sorted(e["message"] for e in json.loads(check.stdout))  # the edits add comment lines at the end
            shown = {}

            def wait(version, first=False):
                shown[version] = client.diagnostics(uri, version=version)

            def settled(version):  # until the messages are check's (a server that checks every fix first: at once)
                while sorted(d["message"] for d in shown[version]) != expected:
                    wait(version)

            drive(client, f"(c) {module.name} ({text.count(chr(10))} lines, findings with checked fixes)",
                  edits, send, wait, rss_every, wait_settled=settled)
            client.shutdown()
        finally:
            client.close()


def bench_module(ridge: Path, edits: int, debounce: float, rss_every: int = 0) -> None:
    package = ridge.parents[1]
    if not ridge.is_file() or package.name != "sklearn":
        print(f"(b) skipped: {ridge} is not there (give --sklearn PATH/sklearn/linear_model/_ridge.py)")
        return
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-sk-") as tmp:
        root = Path(tmp)
        shutil.copytree(package, root / "sklearn",
                        ignore=lambda folder, names: [n for n in names if not (
                            n.endswith(".py") or (Path(folder, n).is_dir() and n not in ("__pycache__", "tests")))])
        (root / "pyproject.toml").write_text("[tool.shapelint]\n")
        path = root / "sklearn" / "linear_model" / "_ridge.py"
        client = start(root, debounce)
        try:
            text = path.read_text(encoding="utf-8")
            uri = client.open(path, text)
            send = comment_edits(client, uri, text)

            def wait(version, first=False):
                client.diagnostics(uri, version=1 if first else version)

            drive(client, f"(b) sklearn/linear_model/_ridge.py ({text.count(chr(10))} lines, package beside it)",
                  edits, send, wait, rss_every)
            client.shutdown()
        finally:
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--debounce", type=float, default=0.0)
    parser.add_argument("--rss-every", type=int, default=0, help="print the server's RSS every N edits")
    parser.add_argument("--cases", default="abc", help="which cases to run (letters)")
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--findings", type=Path, default=DEFAULT_FINDINGS)
    parser.add_argument("--sklearn", type=Path, default=DEFAULT_SKLEARN)
    args = parser.parse_args()
    print(f"shapelint server latency, change -> publishDiagnostics, debounce {args.debounce:g} s")
    if "a" in args.cases:
        bench_notebook(args.notebook, args.edits, args.debounce, args.rss_every)
    if "b" in args.cases:
        bench_module(args.sklearn, args.edits, args.debounce, args.rss_every)
    if "c" in args.cases:
        bench_findings(args.findings, args.edits, args.debounce, args.rss_every)


if __name__ == "__main__":
    main()
