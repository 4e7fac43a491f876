"""`shapelint server` end to end: a subprocess driven over JSON-RPC, as an editor drives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_client import LspClient, apply_text_edits

BUGGY = """\
import numpy as np

A = np.ones((3, 4))
B = np.ones((3, 4))
C = np.dot(A, B)
s = np.sum(A, axis=1)
D = A - s
"""
DOT_LINE, BROADCAST_LINE = 4, 6  # 0-based, as LSP counts


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text("[tool.shapelint]\n")
    return root


@pytest.fixture(scope="module")
def client(project):
    """One server for the module's tests (each test opens its own files): starting one costs seconds."""
    lsp = LspClient(cwd=project, timeout=30)
    lsp.capabilities = lsp.initialize(project)["capabilities"]
    yield lsp
    lsp.close()


def open_file(client, project, name, text=BUGGY):
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return client.open(path, text)


def by_code(diagnostics, code):
    return [d for d in diagnostics if d["code"] == code]


def test_diagnostics_hover_inlay_and_a_fix(project, client):
    uri = open_file(client, project, "model.py")
    diagnostics = client.diagnostics(uri)

    dot = by_code(diagnostics, "SL102")
    assert len(dot) == 1 and dot[0]["range"]["start"] == {"line": DOT_LINE, "character": 4}
    assert dot[0]["source"] == "shapelint" and dot[0]["severity"] == 1
    assert "(3, 4) and (3, 4) not aligned" in dot[0]["message"]
    broadcast = by_code(diagnostics, "SL101")
    assert len(broadcast) == 1 and broadcast[0]["range"]["start"]["line"] == BROADCAST_LINE

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": DOT_LINE, "character": 12}})
    assert "A: (3, 4)" in hover["contents"]["value"]

    hints = client.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {
        "start": {"line": 0, "character": 0}, "end": {"line": 7, "character": 0}}})
    labels = {(h["position"]["line"], h["position"]["character"]): h["label"] for h in hints}
    assert labels[(2, 1)] == ": (3, 4)" and labels[(5, 1)] == ": (3,)"

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": broadcast[0]["range"],
        "context": {"diagnostics": [broadcast[0]]}})
    titles = [a["title"] for a in actions]
    assert "Add `# noqa: SL101`" in titles
    keepdims = next(a for a in actions if "keepdims=True" in a["title"])
    assert "(unsafe)" not in keepdims["title"]
    fixed = apply_text_edits(BUGGY, keepdims["edit"]["changes"][uri])
    assert "np.sum(A, axis=1, keepdims=True)" in fixed

    client.change(uri, fixed, version=2)
    after = client.diagnostics(uri, version=2)
    assert by_code(after, "SL101") == [] and len(by_code(after, "SL102")) == 1

    unsafe = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": dot[0]["range"], "context": {"diagnostics": []}})
    dot_fix = next(a for a in unsafe if "A * B" in a["title"])
    assert dot_fix["title"].endswith("(unsafe) [SL102]")
    assert all(a["title"] != "Fix all shapelint safe fixes" for a in unsafe)  # no safe fix is left
    client.change(uri, apply_text_edits(fixed, dot_fix["edit"]["changes"][uri]), version=3)
    assert client.diagnostics(uri, version=3) == []


def test_fix_all_applies_only_safe_fixes_and_noqa_suppresses(project, client):
    uri = open_file(client, project, "fix_all.py")
    diagnostics = client.diagnostics(uri)
    fix_all = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0},
                                                "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]}})
    assert [a["title"] for a in fix_all] == ["Fix all shapelint safe fixes"]
    assert fix_all[0]["kind"] == "source.fixAll.shapelint"
    fixed = apply_text_edits(BUGGY, fix_all[0]["edit"]["changes"][uri])
    assert "keepdims=True" in fixed and "np.dot(A, B)" in fixed  # the unsafe `A * B` is not applied

    dot = by_code(diagnostics, "SL102")[0]
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": dot["range"], "context": {"diagnostics": [dot]}})
    noqa = next(a for a in actions if a["title"] == "Add `# noqa: SL102`")
    suppressed = apply_text_edits(fixed, noqa["edit"]["changes"][uri])
    assert "C = np.dot(A, B)  # noqa: SL102\n" in suppressed
    client.change(uri, suppressed, version=2)
    assert client.diagnostics(uri, version=2) == []


def test_settings_and_bad_documents_match_check(project, client):
    # the configuration is the one found from the file's own folder, as `check` run there finds it
    sub = project / "configured"
    sub.mkdir()
    (sub / "shapelint.toml").write_text('ignore = ["SL101"]\nseverity = {SL102 = "warning"}\n')
    uri = open_file(client, sub, "model.py")
    diagnostics = client.diagnostics(uri)
    assert [(d["code"], d["severity"]) for d in diagnostics] == [("SL102", 2)]

    broken = "import numpy as np\nx = np.ones((2,)\n"
    client.change(uri, broken, version=2)
    syntax = client.diagnostics(uri, version=2)
    (sub / "broken.py").write_text(broken)
    check = subprocess.run([sys.executable, "-m", "shapelint", "check", "broken.py", "--format", "json"],
                           cwd=sub, capture_output=True, text=True)
    expected = json.loads(check.stdout)
    assert [(d["code"], d["message"], d["range"]["start"]["line"] + 1) for d in syntax] == \
        [(e["code"], e["message"], e["line"]) for e in expected]
    assert syntax[0]["code"] == "SL000"

    # a request that cannot be answered is logged; the server keeps serving
    assert client.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.py"},
                                                 "position": {"line": 0, "character": 0}}) is None
    client.change(uri, BUGGY, version=3)
    assert client.diagnostics(uri, version=3)


def test_debounced_changes_publish_the_latest_text(project, client):
    uri = open_file(client, project, "debounced.py", "import numpy as np\n")
    assert client.diagnostics(uri) == []
    for version in range(2, 6):
        client.change(uri, BUGGY if version == 5 else f"import numpy as np\nx = {version}\n", version)
    published = client.diagnostics(uri)
    assert by_code(published, "SL102")  # the first publish after the burst is the newest text's
    assert not any(n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri
                   for n in client.notifications)


def test_inlay_hints_can_be_switched_off(project):
    quiet = LspClient(cwd=project, timeout=30)
    try:
        quiet.initialize(project, options={"inlayHints": False})
        uri = open_file(quiet, project, "no_hints.py")
        assert by_code(quiet.diagnostics(uri), "SL102")
        assert quiet.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 7, "character": 0}}}) == []
        assert quiet.shutdown() == 0
    finally:
        quiet.close()


def test_inlay_hints_can_be_limited_to_where_a_shape_changes(project):
    text = "import numpy as np\nA = np.ones((3, 4))\nA = A * 2\nA = A.T\nB = A + 1\n"
    changes = LspClient(cwd=project, timeout=30)
    try:
        changes.initialize(project, options={"inlayHints": "changes"})
        uri = open_file(changes, project, "changes.py", text)
        assert changes.diagnostics(uri) == []
        hints = changes.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}})
        # line 3 gives A the shape it had: no hint there; every other assignment changes a shape
        assert [h["position"]["line"] for h in hints] == [1, 3, 4]
        assert changes.shutdown() == 0
    finally:
        changes.close()


def test_without_fix_hints_the_fixes_are_checked_when_code_actions_are_asked_for(project):
    lazy = LspClient(cwd=project, timeout=30)
    try:
        lazy.initialize(project, options={"fixHints": False})
        uri = open_file(lazy, project / "lazy", "model.py")
        broadcast = by_code(lazy.diagnostics(uri, version=1), "SL101")[0]
        assert "keepdims" not in broadcast["message"]
        actions = lazy.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": broadcast["range"], "context": {"diagnostics": [broadcast]}})
        assert any("keepdims=True" in a["title"] for a in actions)
        hinted = by_code(lazy.diagnostics(uri, version=1), "SL101")[0]  # published again, with check's message
        assert hinted["message"].startswith(broadcast["message"] + "; ") and "keepdims" in hinted["message"]
        assert lazy.shutdown() == 0
    finally:
        lazy.close()

def _cell(uri, text, kind=2):
    return {"kind": kind, "document": uri}, {"uri": uri, "languageId": "python" if kind == 2 else "markdown",
                                             "version": 1, "text": text}


def test_notebook_cells_get_their_own_diagnostics(project, client):
    nb_uri = (project / "analysis.ipynb").as_uri()
    texts = ["import numpy as np\na = np.ones((2, 3))", "# Notes", "b = np.ones((4, 5))\nc = a + b"]
    cells = [_cell(f"{nb_uri}#cell{k}", text, kind=1 if k == 1 else 2) for k, text in enumerate(texts)]
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": nb_uri, "notebookType": "jupyter-notebook", "version": 1,
                             "cells": [c for c, _ in cells]},
        "cellTextDocuments": [d for _, d in cells]})
    first = client.diagnostics(f"{nb_uri}#cell0")
    third = client.diagnostics(f"{nb_uri}#cell2")
    assert first == [] and len(third) == 1
    assert third[0]["code"] == "SL101" and third[0]["range"]["start"] == {"line": 1, "character": 4}
    assert "cell 1, line 2" in third[0]["message"] or "(2, 3)" in third[0]["message"]

    hover = client.request("textDocument/hover", {"textDocument": {"uri": f"{nb_uri}#cell2"},
                                                  "position": {"line": 0, "character": 0}})
    assert "b: (4, 5)" in hover["contents"]["value"]

    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": nb_uri, "version": 2},
        "change": {"cells": {"textContent": [{"document": {"uri": f"{nb_uri}#cell2", "version": 2},
                                               "changes": [{"text": "b = np.ones((2, 3))\nc = a + b"}]}]}}})
    assert client.diagnostics(f"{nb_uri}#cell2", version=2) == []


def test_a_non_python_notebook_is_not_checked(project, client):
    nb_uri = (project / "r.ipynb").as_uri()
    cell, document = _cell(f"{nb_uri}#c0", "x <- c(1, 2")
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": nb_uri, "notebookType": "jupyter-notebook", "version": 1, "cells": [cell],
                             "metadata": {"kernelspec": {"language": "R", "name": "ir"}}},
        "cellTextDocuments": [document]})
    assert client.diagnostics(f"{nb_uri}#c0") == []


def test_without_pygls_the_command_says_what_to_install():
    code = ("import sys; sys.modules['pygls'] = None\n"
            "from shapelint.cli import main; main(['server'])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install "shapelint[server]"' in lines[0]


def test_check_never_imports_pygls():
    code = ("import sys\nfrom shapelint.cli import main\n"
            "try:\n    main(['check', '--isolated', '--no-cache', '-q', '-'])\n"
            "except SystemExit:\n    pass\n"
            "print('pygls' in sys.modules or 'shapelint.server' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], input="x = 1\n", capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "False"


def test_hover_on_a_function_shows_its_signature(project, client):
    text = "import numpy as np\n\ndef double(X):\n    return X * 2\n\nY = double(np.ones((2, 3)))\n"
    uri = open_file(client, project, "functions.py", text)
    assert client.diagnostics(uri) == []
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": 5, "character": 5}})
    assert "double(X:" in hover["contents"]["value"] and "->" in hover["contents"]["value"]


def test_hover_says_where_a_shape_comes_from(project, client):
    text = ("import numpy as np\n\ndef forward(X, parameters):\n    W1 = parameters['W1']\n"
            "    Z1 = np.dot(W1, X)\n    return Z1\n\nZ = forward(np.ones((5, 7)), {'W1': np.ones((4, 5))})\n")
    uri = open_file(client, project, "origins.py", text)
    assert client.diagnostics(uri) == []
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": 4, "character": 5}})
    value = hover["contents"]["value"]
    assert "Z1: (4, 7)" in value and "With the shapes passed to `forward()` at line 8" in value


def test_fix_hints_follow_the_findings_and_then_match_check(project, client):
    # the findings are published from the analysis; the fixes (each a re-analysis) are checked
    # after, and the version is published again with the messages `shapelint check` prints
    uri = open_file(client, project, "hints.py")
    first = client.diagnostics(uri, version=1)
    settled = client.diagnostics(uri, version=1)
    check = subprocess.run([sys.executable, "-m", "shapelint", "check", "hints.py", "--format", "json", "--no-cache"],
                           cwd=project, capture_output=True, text=True)
    expected = [(e["code"], e["message"]) for e in json.loads(check.stdout)]
    assert [(d["code"], d["message"]) for d in settled] == expected
    assert [d["code"] for d in first] == [code for code, _ in expected]
    assert any("; " in message and message.startswith(d["message"] + "; ")
               for d, (_, message) in zip(first, expected))

def test_an_open_module_is_imported_as_the_editor_shows_it(project, client):
    helper_text = "import numpy as np\n\n\ndef make():\n    return np.ones((3, 4))\n"
    main_text = "import numpy as np\nfrom helper import make\n\nA = make()\nB = np.ones((4, 2))\nC = A @ B\n"
    helper = open_file(client, project, "imports/helper.py", helper_text)
    main = open_file(client, project, "imports/main.py", main_text)
    assert client.diagnostics(helper) == [] and client.diagnostics(main) == []

    client.change(helper, helper_text.replace("(3, 4)", "(3, 5)"), version=2)  # not saved
    assert client.diagnostics(helper, version=2) == []
    mismatch = client.diagnostics(main, version=1)  # checked again: it imports the changed buffer
    assert [(d["code"], d["range"]["start"]["line"]) for d in mismatch] == [("SL102", 5)]
    assert "(3, 5)" in mismatch[0]["message"]
    assert (project / "imports" / "helper.py").read_text() == helper_text

    client.change(helper, helper_text, version=3)
    assert client.diagnostics(main, version=1) == []

def test_a_failure_inside_an_imported_module_points_at_its_line_there(project, client):
    helper = project / "inside" / "model.py"
    helper.parent.mkdir()
    helper.write_text("import numpy as np\n\n\ndef forward(X, W):\n    return np.dot(W, X)\n")
    main = open_file(client, project, "inside/main.py",
                     "import numpy as np\nfrom model import forward\n\nZ = forward(np.ones((3, 10)), np.ones((4, 5)))\n")
    (d,) = client.diagnostics(main)
    assert (d["code"], d["range"]["start"]["line"]) == ("SL102", 3)
    (where,) = d["relatedInformation"]
    assert where["location"]["uri"] == helper.resolve().as_uri()  # in the module, not in main.py
    assert where["location"]["range"]["start"] == {"line": 4, "character": 11}


def test_an_open_module_not_saved_yet_is_imported_from_its_buffer(project, client):
    folder = project / "unsaved"
    folder.mkdir()
    helper = folder / "fresh.py"  # never written: the editor's buffer is all there is
    helper_uri = client.open(helper, "import numpy as np\n\n\ndef make():\n    return np.ones((3, 5))\n")
    main = open_file(client, project, "unsaved/main.py",
                     "import numpy as np\nfrom fresh import make\n\nA = make()\nC = A @ np.ones((4, 2))\n")
    assert client.diagnostics(helper_uri) == []
    mismatch = client.diagnostics(main)
    assert [(d["code"], d["range"]["start"]["line"]) for d in mismatch] == [("SL102", 4)]
    assert not helper.exists()


def test_did_save_checks_again_with_the_configuration_on_disk(project, client):
    folder = project / "saved"
    uri = open_file(client, folder, "model.py")
    assert {d["code"] for d in client.diagnostics(uri)} == {"SL101", "SL102"}
    (folder / "shapelint.toml").write_text('ignore = ["SL101"]\n')
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    # (the version is the same, and the findings of before the save may be published once more
    # when their fixes have been checked: the publish that counts is the one without SL101)
    client.wait_for("textDocument/publishDiagnostics",
                    lambda p: p["uri"] == uri and [d["code"] for d in p["diagnostics"]] == ["SL102"])


def test_an_invalid_configuration_is_shown_and_the_server_keeps_running(project, client):
    folder = project / "misconfigured"
    folder.mkdir()
    (folder / "shapelint.toml").write_text('select = ["SL101"\n')  # not TOML
    uri = open_file(client, folder, "model.py")
    shown = client.wait_for("window/showMessage", lambda p: "shapelint.toml" in p["message"])
    assert shown["type"] == 1 and shown["message"].startswith("shapelint: error: ")
    client.wait_for("window/logMessage", lambda p: p["message"] == shown["message"])
    assert client.diagnostics(uri) == []  # nothing checked, nothing stale shown

    client.change(uri, BUGGY + "\n", version=2)  # logged again, not shown again
    client.wait_for("window/logMessage", lambda p: p["message"] == shown["message"])
    assert client.diagnostics(uri, version=2) == []
    assert not any(n["method"] == "window/showMessage" for n in client.notifications)

    (folder / "shapelint.toml").write_text('ignore = ["SL101"]\n')  # fixed and saved: checked again
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in client.diagnostics(uri, version=2)] == ["SL102"]
    (folder / "shapelint.toml").write_text('severity = {SL102 = "fatal"}\n')  # TOML, but not a valid setting
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    shown = client.wait_for("window/showMessage", lambda p: "shapelint.toml" in p["message"])
    assert "fatal" in shown["message"] or "severity" in shown["message"]
    # (the checked fixes' hints may be published before: the findings of the fixed configuration)
    client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and p["diagnostics"] == [])
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": {"line": 0, "character": 0}}) is None

def test_capabilities_then_shutdown_and_exit(client):
    # last in the module: it ends the shared server
    caps = client.capabilities
    assert caps["hoverProvider"] and caps["inlayHintProvider"]
    assert set(caps["codeActionProvider"]["codeActionKinds"]) == {"quickfix", "source.fixAll.shapelint"}
    assert caps["notebookDocumentSync"]["notebookSelector"][0]["cells"] == [{"language": "python"}]
    assert client.process.poll() is None
    assert client.shutdown() == 0
