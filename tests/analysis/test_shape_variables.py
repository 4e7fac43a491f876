"""Shape variables: what code that declares nothing says about its arrays (snippets written for
these tests, course style), SL208/SL209, and `shapes --signatures`."""

import textwrap

from click.testing import CliRunner

from shapelint.analysis import analyze_source
from shapelint.cli import cli

LINEAR_BACKWARD = '''
import numpy as np

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    assert dA_prev.shape == A_prev.shape
    assert dW.shape == W.shape
    assert db.shape == b.shape
    return dA_prev, dW, db
'''


def run(src: str, collect: bool = True):
    result = analyze_source(textwrap.dedent(src), "example.py", collect_shapes=collect)
    assert result.error is None, result.error
    return result


def codes(src: str):
    return sorted((d.line, d.code) for d in run(src).diagnostics)


def test_correct_code_that_declares_nothing_is_quiet_and_its_shapes_are_known():
    result = run(LINEAR_BACKWARD)
    assert result.diagnostics == []
    got = {r.name: r.shape for r in result.shapes if r.signature is None}
    for name in ("A_prev", "W", "b", "dW", "db", "dA_prev"):
        assert got[name] is not None and len(got[name]) == 2, name
    assert got["db"][1] == 1


def test_swapped_operands_force_an_array_to_be_square():
    swapped = LINEAR_BACKWARD.replace("np.dot(dZ, A_prev.T)", "np.dot(A_prev.T, dZ)")
    found = run(swapped).diagnostics
    assert [d.code for d in found] == ["SL208"]
    assert "is square" in found[0].message


def test_a_transpose_added_is_found_through_the_assert():
    src = '''
        import numpy as np
        def linear_forward(A, W, b):
            Z = np.dot(W, A.T) + b
            assert Z.shape == (W.shape[0], A.shape[1])
            return Z
    '''
    assert codes(src) == [(5, "SL208")]
    assert codes(src.replace("A.T", "A")) == []


def test_sizes_the_code_ignores_keep_nothing_apart():
    # a recurrent weight is square by design; `_` says its second size does not matter here
    assert codes('''
        import numpy as np
        def step(parameters, a_prev, x):
            Waa = parameters["Waa"]
            n_a, _ = Waa.shape
            return np.tanh(Waa @ a_prev + x)
    ''') == []


def test_a_rank_guessed_from_use_grows_with_later_uses():
    assert codes('''
        import numpy as np
        def pool(A_prev):
            m = A_prev.shape[0]
            n_C = A_prev.shape[3]
            m2, h, w, c = A_prev.shape
            return A_prev[0, 0, 0, 0] + m + n_C
    ''') == []


def test_an_error_that_needs_a_guessed_rank_is_a_warning():
    src = '''
        import numpy as np
        def f(X):
            W = np.ones((4, 3))
            Z = np.dot(W, X)
            return Z + np.ones((5, 1))
    '''
    assert codes(src) == [(6, "SL209")]
    assert codes(src.replace("(5, 1)", "(4, 1)")) == []


def test_values_from_code_we_do_not_follow_are_not_taken_for_matrices():
    # `avg` may well be a vector: np.dot(W, avg) + b is fine with a (5,) result
    assert codes('''
        import numpy as np
        from somewhere import sentence_to_avg
        def step(words):
            W = np.random.randn(5, 50)
            b = np.zeros((5,))
            avg = sentence_to_avg(words)
            z = np.dot(W, avg) + b
            dz = z - np.ones(5)
            return dz.reshape(5, 1)
    ''') == []


def test_signatures(tmp_path):
    path = tmp_path / "layer.py"
    path.write_text(textwrap.dedent(LINEAR_BACKWARD))
    r = CliRunner().invoke(cli, ["shapes", "--signatures", "--no-cache", str(path)])
    assert r.exit_code == 0, r.output
    # `m = A_prev.shape[1]` names a size; no size is lettered `b`, the bias's name here
    assert r.output.strip().endswith(
        "linear_backward(dZ: (a, m), cache: ((c, m), (a, c), (a, 1))) -> ((c, m), (a, c), (a, 1))")
    r = CliRunner().invoke(cli, ["shapes", "--no-cache", str(path)])
    assert "->" not in r.output and "dW: (" in r.output


def test_relations_in_docstrings_are_checked_statically():
    src = '''
        import numpy as np
        def update(W, dW):
            """
            Arguments:
            W -- weights
            dW -- gradient of the cost with respect to W, same shape as W
            """
            return W - 0.1 * dW.sum()
        def backward(dZ, A_prev):
            """
            Returns:
            dA_prev -- gradient, same shape as A_prev
            """
            dA_prev = np.dot(np.ones((3, 4)), dZ)
            return dA_prev
        update(np.ones((4, 3)), np.ones((4, 3)))
        update(np.ones((4, 3)), np.ones((3, 4)))
        backward(np.ones((4, 7)), np.ones((3, 7)))
        backward(np.ones((4, 7)), np.ones((5, 7)))
    '''
    found = codes(src)
    # the argument at the call; the return value at backward()'s return, with the shapes line 20 passes
    assert (18, "SL301") in found and (16, "SL301") in found
    assert not any(line in (17, 19, 20) for line, _ in found)
