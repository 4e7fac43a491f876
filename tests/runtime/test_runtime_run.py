"""``shapelint run script.py``: a script's stated contracts checked as it runs."""

import os
import subprocess
import sys
import textwrap

import pytest

from shapelint.runtime import contracts
from shapelint.runtime.run import instrument_source, run_command

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "fixtures", "runtime")


@pytest.fixture(autouse=True)
def restore_state():
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    modules = set(sys.modules)
    yield
    contracts.STATE.enabled, contracts.STATE.mode = saved
    for name in set(sys.modules) - modules:
        if name.startswith("helper_mod"):
            del sys.modules[name]


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_buggy_script_prints_the_violation_and_exits_non_zero():
    env = dict(os.environ, PYTHONPATH=REPO)
    script = os.path.join(FIXTURES, "buggy_labels.py")
    done = subprocess.run([sys.executable, "-m", "shapelint", "run", script],
                          env=env, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    assert ("shapelint.errors.ShapeError: compute_cost(): argument 'Y' has shape (400, 1), but the "
            "contract says (1, number of examples): dim 0 is 400, expected 1") in done.stderr
    assert f'File "{script}", line' in done.stderr  # the user's own frames, not the checker's
    assert "shapelint/runtime" not in done.stderr.replace(os.sep, "/")
    assert "iteration 0" not in done.stdout  # stopped before the first cost was printed


def test_same_script_under_plain_python_fails_later_and_elsewhere():
    done = subprocess.run([sys.executable, os.path.join(FIXTURES, "buggy_labels.py")],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "backward_propagation" in done.stderr and "ShapeError" not in done.stderr


def test_correct_script_runs_with_arguments_and_exit_status(tmp_path, capsys):
    script = write(tmp_path / "ok.py", '''
        import sys
        import numpy as np

        def scale(x):
            """
            Arguments:
            x -- data of shape (n, 1)
            """
            return 2 * x

        print(__name__, sys.argv[1:], scale(np.ones((3, 1))).sum())
        sys.exit(int(sys.argv[1]))
    ''')
    assert run_command([script, "0"]) == 0
    assert run_command([script, "7"]) == 7
    assert capsys.readouterr().out.splitlines() == ["__main__ ['0'] 6.0", "__main__ ['7'] 6.0"]


def test_calls_made_while_the_top_level_runs_are_checked(tmp_path, capsys):
    script = write(tmp_path / "top.py", '''
        import numpy as np

        class Model:
            def __init__(self, W):
                self.W = W

            def forward(self, X):
                """
                Args:
                    X: input of shape (n_x, m)
                """
                return self.W @ X

            @staticmethod
            def loss(Y):
                """
                Args:
                    Y: labels of shape (1, m)
                """
                return float(Y.sum())

        Model.loss(np.ones((1, 4)))
        Model.loss(np.ones((4, 1)))
        print("not reached")
    ''')
    assert run_command([script]) == 1
    captured = capsys.readouterr()
    assert "not reached" not in captured.out
    assert "Model.loss(): argument 'Y' has shape (4, 1)" in captured.err
    assert f"{script}:24" in captured.err


def test_modules_next_to_the_script_are_checked(tmp_path, capsys):
    write(tmp_path / "helper_mod.py", '''
        def column(v):
            """
            Arguments:
            v -- column vector of shape (n, 1)
            """
            return v
    ''')
    script = write(tmp_path / "main.py", '''
        import numpy as np
        from helper_mod import column
        column(np.ones((3, 2)))
    ''')
    assert run_command([script]) == 1
    assert "column(): argument 'v' has shape (3, 2)" in capsys.readouterr().err
    sys.modules.pop("helper_mod", None)
    assert run_command(["--no-local", script]) == 0


def test_warn_mode_goes_on_and_reports_at_the_end(tmp_path):
    script = write(tmp_path / "warn.py", '''
        import numpy as np

        def f(x):
            """
            Args:
                x: input of shape (n, 1)
            """
            return x

        for _ in range(3):
            f(np.ones((2, 2)))
        print("finished")
    ''')
    # a subprocess: pytest would capture the warnings of an in-process run
    done = subprocess.run([sys.executable, "-m", "shapelint", "run", "--warn", script],
                          env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True)
    assert done.returncode == 1
    assert "finished" in done.stdout
    assert "warn.py:12: ShapeContractWarning: f(): argument 'x' has shape (2, 2)" in done.stderr
    assert done.stderr.count("ShapeContractWarning") == 1  # one call site, shown once
    assert "shapelint: 3 shape contract violations" in done.stderr


def test_nested_functions_and_foreign_decorators_are_left_alone(tmp_path):
    source = textwrap.dedent('''
        import functools

        def outer():
            def inner(x):
                """
                Args:
                    x: of shape (n, 1)
                """
                return x
            return inner

        @functools.lru_cache
        def cached(x):
            """
            Args:
                x: of shape (n, 1)
            """
            return x
    ''')
    namespace = {"__name__": "__main__"}
    from shapelint.runtime.instrument import instrument_member

    namespace["__shapelint_auto__"] = instrument_member
    exec(instrument_source(source, "nested.py"), namespace)
    assert not hasattr(namespace["outer"](), "__wrapped__")
    assert type(namespace["cached"]).__name__ == "_lru_cache_wrapper"


def test_line_numbers_are_unchanged(tmp_path, capsys):
    script = write(tmp_path / "lines.py", '''
        def boom():
            raise RuntimeError("here")

        boom()
    ''')
    assert run_command([script]) == 1
    err = capsys.readouterr().err
    assert f'File "{script}", line 3, in boom' in err
    assert "RuntimeError: here" in err


def test_state_is_restored_after_a_run(tmp_path):
    script = write(tmp_path / "state.py", "import sys\nsys.argv.append('x')\n")
    argv, main_module, path = list(sys.argv), sys.modules["__main__"], list(sys.path)
    assert run_command([script]) == 0
    assert sys.argv == argv and sys.modules["__main__"] is main_module and sys.path == path
    assert not any(type(f).__name__ == "ContractFinder" for f in sys.meta_path)


def test_usage_errors(tmp_path, capsys):
    assert run_command([]) == 2
    assert run_command([str(tmp_path / "missing.py")]) == 2
    assert "cannot open" in capsys.readouterr().err
    bad = write(tmp_path / "bad.py", "def f(:\n")
    assert run_command([bad]) == 1
    assert "SyntaxError" in capsys.readouterr().err


def test_python_dash_m_shapelint_hands_other_commands_to_the_cli():
    done = subprocess.run([sys.executable, "-m", "shapelint", "--version"],
                          env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "0.1.0" in done.stdout
