"""A fix never changes a file whose check it does not improve: on small course-style programs
made from templates (random sizes, transposes, keepdims, axes, `*` or `np.dot`), `check --fix
--unsafe-fixes` leaves the file byte-identical or with strictly fewer findings."""

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shapelint.cli import cli
from shapelint.runner import lint_bytes


@st.composite
def programs(draw):
    n_x, n_h, m = draw(st.lists(st.integers(2, 7), min_size=3, max_size=3, unique=True))
    w_shape = draw(st.sampled_from(["(n_h, n_x)", "(n_x, n_h)"]))
    x_shape = draw(st.sampled_from(["(n_x, m)", "(m, n_x)"]))
    bias = draw(st.sampled_from(["np.zeros((n_h, 1))", "np.zeros(n_h)", "np.zeros((1, n_h))", "np.random.randn(n_h)"]))
    product = draw(st.sampled_from(["np.dot(W1, X)", "np.dot(X, W1)", "W1 * X", "W1 @ X", "np.dot(W1, X.T)"]))
    axis = draw(st.sampled_from([0, 1]))
    keepdims = draw(st.booleans())
    grad = draw(st.sampled_from(["np.dot(dA, s * (1 - s))", "dA * s * (1 - s)", "np.dot(dA.T, s)"]))
    db_keep = draw(st.booleans())
    mask = draw(st.sampled_from(["(A1.shape[0], A1.shape[1])", "(A1.shape[1], A1.shape[0])"]))
    keep = ", keepdims=True" if keepdims else ""
    return f'''import numpy as np

n_x, n_h, m = {n_x}, {n_h}, {m}


def layer(X, W1, b1):
    Z1 = {product} + b1
    A1 = np.tanh(Z1)
    mu = A1.mean(axis={axis}{keep})
    C = A1 - mu
    D1 = np.random.rand{mask} < 0.8
    return C * D1


def backward(dA, Z, b):
    s = 1 / (1 + np.exp(-Z))
    dZ = {grad}
    db = np.sum(dZ, axis=1{", keepdims=True" if db_keep else ""})
    return dZ, db


W1 = np.random.randn{w_shape}
b1 = {bias}
X = np.random.randn{x_shape}
out = layer(X, W1, b1)
backward(np.ones((n_h, m)), np.ones((n_h, m)), b1)
'''


def findings(data: bytes) -> int:
    return len(lint_bytes(data, "prog.py").diagnostics)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=programs())
def test_fix_improves_the_check_or_changes_nothing(tmp_path, source):
    path = tmp_path / "prog.py"
    path.write_text(source)
    before = findings(path.read_bytes())
    r = CliRunner().invoke(cli, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(path)],
                           catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    after = path.read_bytes()
    assert after == source.encode() or findings(after) < before, (source, after.decode())
