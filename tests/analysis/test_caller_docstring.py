"""Sizes from a caller's docstring that fail only in a function it calls are SL305 (opt-in), a
documentation finding (issue 16): the course's `L_layer_model` documents `X` transposed
(`(number of examples, num_px * num_px * 3)`) and the helpers it calls fail only with those sizes.
An operation of the documented function itself that fails with its own documented sizes stays
SL303, on by default (seeded bugs are caught that way)."""

from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli
from shapelint.rules import default_codes

HELPER = '''\
import numpy as np


def compute_cost(AL, Y):
    """
    AL -- probability vector, shape (1, number of examples)
    Y -- true "label" vector, shape (1, number of examples)
    """
    m = Y.shape[1]
    cost = -np.dot(Y, np.log(AL).T) / m
    return np.squeeze(cost)
'''

CALLER = HELPER + '''

def model(X, Y):
    """
    X -- data, numpy array of shape (number of examples, num_px * num_px * 3)
    Y -- true "label" vector, of shape (1, number of examples)
    """
    AL = 1 / (1 + np.exp(-np.sum(X, axis=0, keepdims=True)))
    return compute_cost(AL, Y)
'''

OWN = '''\
import numpy as np


def model(X, Y):
    """
    X -- data, numpy array of shape (number of examples, num_px * num_px * 3)
    Y -- true "label" vector, of shape (1, number of examples)
    """
    AL = 1 / (1 + np.exp(-np.sum(X, axis=0, keepdims=True)))
    return -np.dot(Y, np.log(AL).T)
'''


def codes(source, selected):
    return sorted((d.line, d.code) for d in analyze_source(source, "m.py", codes=selected).diagnostics)


def test_a_callers_documented_sizes_failing_in_the_callee_pass_the_default_gate():
    assert codes(CALLER, default_codes()) == []


def test_sl305_names_the_callee_line_when_selected():
    assert codes(CALLER, default_codes() | {"SL305"}) == [(10, "SL305")]


def test_the_documented_function_failing_on_its_own_sizes_is_still_sl303():
    assert codes(OWN, default_codes()) == [(10, "SL303")]
    assert codes(OWN, default_codes() | {"SL305"}) == [(10, "SL303")]


def test_the_callee_called_with_the_documented_sizes_agreeing_is_clean():
    fixed = CALLER.replace("(number of examples, num_px * num_px * 3)", "(num_px * num_px * 3, number of examples)")
    assert codes(fixed, default_codes() | {"SL305"}) == []


def test_sl305_is_documented_and_opt_in(tmp_path):
    assert "SL305" not in default_codes()
    r = CliRunner().invoke(cli, ["explain", "SL305"])
    assert r.exit_code == 0 and "Opt-in" in r.output
    (tmp_path / "m.py").write_text(CALLER)
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--isolated", str(tmp_path / "m.py")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--isolated", "--extend-select", "SL305", str(tmp_path / "m.py")])
    assert r.exit_code == 1 and "SL305" in r.output


RUN = '''
train_x = np.zeros((12288, 209))
train_y = np.zeros((1, 209))
cost = model(train_x, train_y)
'''


def test_a_call_contradicting_a_declaration_its_own_code_fails_with_is_sl305_not_sl301():
    # the real data is (12288, 209): it contradicts the transposed docstring, and the code is right
    assert codes(CALLER + RUN, default_codes()) == []
    assert (24, "SL305") in codes(CALLER + RUN, default_codes() | {"SL305"})


def test_a_call_contradicting_a_declaration_the_code_agrees_with_is_still_sl301():
    fixed = CALLER.replace("(number of examples, num_px * num_px * 3)", "(num_px * num_px * 3, number of examples)")
    wrong_call = RUN.replace("np.zeros((12288, 209))", "np.zeros((209, 12288))")
    assert (24, "SL301") in codes(fixed + wrong_call, default_codes())
