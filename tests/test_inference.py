"""Targeted inference cases: what `shapelint shapes` must say for small programs."""

from shapelint.analysis import analyze_source


def shapes(source):
    result = analyze_source(source, "example.py", collect_shapes=True)
    assert result.error is None, result.error
    out = {}
    for rec in result.shapes:
        out[rec.name] = rec.shape
    return out


def test_local_function_called_with_different_shapes():
    # regression: call-site results were cached under id() of temporary tuples
    src = "import numpy as np\ndef get(shape):\n    return np.zeros(shape)\n"
    src += "".join(f"a{i} = get(({i + 1}, {i + 2}))\n" for i in range(30))
    got = shapes(src)
    for i in range(30):
        assert got[f"a{i}"] == [i + 1, i + 2]


def test_declared_sizes_from_parameters_and_docstrings():
    src = '''import numpy as np
def init(n_x, n_h):
    W1 = np.random.randn(n_h, n_x)
    b1 = np.zeros((n_h, 1))
    return W1, b1

def forward(A, W, b):
    """
    Arguments:
    A -- activations from previous layer (or input data): (size of previous layer, number of examples)
    W -- weights matrix: numpy array of shape (size of current layer, size of previous layer)
    b -- bias vector, numpy array of shape (size of the current layer, 1)
    """
    Z = np.dot(W, A) + b
    return Z
'''
    got = shapes(src)
    assert got["W1"] == ["n_h", "n_x"]
    assert got["b1"] == ["n_h", 1]
    assert got["Z"] == ["n[l]", "m"]  # the course's notation for the two phrases


def test_shape_unpacking_asserts_and_branches():
    src = '''import numpy as np
def f(X, flag):
    n, m = X.shape
    col = X[:, 0:1]
    mean = X.mean(axis=1, keepdims=True)
    if flag:
        Y = np.ones((n, m))
    else:
        Y = np.zeros((n, m))
    return Y
Z = np.ones((3, 4))
assert Z.shape == (3, 4)
if Z.shape[0] == 3:
    W = np.ones((2, 2))
else:
    W = np.ones(7)
'''
    got = shapes(src)
    assert got["col"] == [None, 1]  # n is a size we named, but invented: unknown in JSON
    assert got["mean"] == [None, 1]
    assert got["W"] == [2, 2]  # the branch known sizes decide


def test_parameter_dict_in_a_layer_loop():
    src = '''import numpy as np
def init(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
        W = parameters["W" + str(l)]
        b = parameters["b" + str(l)]
    return parameters
'''
    got = shapes(src)
    assert got["W"] == ["layer_dims[l]", "layer_dims[l - 1]"]
    assert got["b"] == ["layer_dims[l]", 1]


def test_layer_dicts_flow_from_init_to_forward_with_known_sizes():
    # short loops over known ranges are unrolled, so W1, W2, W3 keep their own shapes
    src = '''import numpy as np
def init(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters

def forward(X, parameters):
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A = np.maximum(0, np.dot(parameters["W" + str(l)], A) + parameters["b" + str(l)])
    return np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)]

params = init([5, 4, 3, 1])
out = forward(np.ones((5, 7)), params)
bad = forward(np.ones((4, 7)), params)
'''
    result = analyze_source(src, "example.py", collect_shapes=True)
    got = {rec.name: rec.shape for rec in result.shapes}
    assert got["out"] == [1, 7]
    # at the line that fails with the shapes line 18 passes
    assert [(d.line, d.code) for d in result.diagnostics] == [(13, "SL102")]
    assert [r.line for r in result.diagnostics[0].related] == [18]


def test_unrolled_loop_is_quiet_in_branches_it_cannot_decide():
    # for i = 0 the `if x[i] > 0:` branch may be skipped: x1[n - i] would be out of
    # bounds only then, so no error; the same index outside a branch is an error
    src = '''import numpy as np
x = np.random.randn(8)
x1 = np.zeros(8)
for i in range(5):
    if x[i] > 0:
        x1[8 - i] = 1.0
for i in range(5):
    if i:
        x1[8 - i] = 2.0
y = np.zeros(3)
for i in range(4):
    y[i] = 1.0
'''
    result = analyze_source(src, "example.py")
    assert [(d.line, d.code) for d in result.diagnostics] == [(12, "SL105")]


def test_f_string_keys_name_the_same_entries_as_concatenation():
    src = '''import numpy as np
def init(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((layer_dims[l],))
    return parameters

p = init([3, 4, 1])
W2 = p["W" + str(2)]
label = f"{2:02d}"
Z = np.dot(p["W1"], np.ones((3, 10))) + p["b1"]
'''
    result = analyze_source(src, "example.py", collect_shapes=True)
    got = {rec.name: rec.shape for rec in result.shapes}
    assert got["W2"] == [1, 4]
    assert got.get("label") is None
    assert [(d.line, d.code) for d in result.diagnostics] == [(12, "SL101")]


def test_a_guessed_rank_stays_a_guess_through_transpose_and_sequences():
    # x.T says x is 2-D only as a guess (x could be rank-1, .T is then a no-op):
    # a rank mismatch in np.concatenate is likely (SL209), not certain
    src = '''import numpy as np
def g(x):
    return np.concatenate((x.T, np.zeros((4,))), axis=0)
'''
    result = analyze_source(src, "example.py")
    assert result.error is None, result.error
    assert [(d.line, d.code) for d in result.diagnostics] == [(3, "SL209")]


def codes(src):
    result = analyze_source(src, "example.py")
    assert result.error is None, result.error
    return [(d.line, d.code) for d in result.diagnostics]


def test_a_return_is_checked_against_its_own_docstring_strictly():
    src = '''import numpy as np
def gram(X):
    """
    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    K : ndarray of shape (n_samples, n_samples)
    """
    return X.T @ X
def gram_ok(X):
    """
    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    K : ndarray of shape (n_samples, n_samples)
    """
    return X @ X.T
'''
    assert codes(src) == [(12, "SL301")]


def test_a_declared_size_the_function_assigns_is_what_it_assigned():
    # the docstring's n_C is, in this function, the n_C_prev it assigns to it
    src = '''import numpy as np
def pool(A_prev, hparameters):
    """
    Arguments:
    A_prev -- input, numpy array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dictionary with "f"

    Returns:
    A -- output, a numpy array of shape (m, n_H, n_W, n_C)
    cache -- the inputs
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    n_H = n_H_prev - f + 1
    n_W = n_W_prev - f + 1
    n_C = n_C_prev
    A = np.zeros((m, n_H, n_W, n_C))
    return A, (A_prev, hparameters)
def pool_wrong(A_prev, hparameters):
    """
    Arguments:
    A_prev -- input, numpy array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    hparameters -- dictionary with "f"

    Returns:
    A -- output, a numpy array of shape (m, n_H, n_W, n_C)
    cache -- the inputs
    """
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f = hparameters["f"]
    n_C = n_C_prev
    A = np.zeros((m, n_H_prev, n_W_prev, n_C + 1))
    return A, (A_prev, hparameters)
'''
    assert codes(src) == [(33, "SL301")]


def test_gradient_pairing_is_within_functions_not_between_notebook_cells():
    src = '''import numpy as np
b = np.zeros((3, 1))
db = np.zeros((1, 3))
def step(b):
    db = np.zeros((1, 3))
    return b - db
step(np.zeros((3, 1)))
'''
    found = codes(src)
    assert (3, "SL302") not in found
    assert (5, "SL302") in found  # inside step(), with the shapes line 7 passes


def test_a_numpy_scalar_type_called_on_an_array_keeps_its_shape():
    src = '''import numpy as np
def relu_grad(dA, Z):
    assert dA.shape == (3, 5) and Z.shape == (3, 5)
    mask = np.int64(Z > 0)
    scale = np.float64(2.0)
    return np.multiply(dA, mask) * scale, np.multiply(dA.T, mask)
'''
    assert shapes(src)["mask"] == [3, 5]
    assert shapes(src)["scale"] == []
    assert codes(src) == [(6, "SL101")]


def test_a_conditional_expression_known_sizes_decide_takes_one_side():
    # in an unrolled layer loop, `'sigmoid' if l == L else 'relu'` is one string per layer, so
    # the activation's if/elif takes one branch and A gets that layer's size
    src = '''import numpy as np
def activation(A, W, b, which):
    Z = np.dot(W, A) + b
    if which == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
    elif which == "relu":
        A = np.maximum(0, Z)
    return A
def forward(X, params):
    A = X
    L = len(params) // 2
    for l in range(1, L + 1):
        A = activation(A, params["W" + str(l)], params["b" + str(l)], "sigmoid" if l == L else "relu")
    return A
params = {"W1": np.zeros((4, 12)), "b1": np.zeros((4, 1)), "W2": np.zeros((1, 4)), "b2": np.zeros((1, 1))}
AL = forward(np.zeros((12, 20)), params)
bad = np.dot(AL, np.zeros((4, 1)))
'''
    assert shapes(src)["AL"] == [1, 20]
    assert codes(src) == [(17, "SL102")]


def test_an_in_place_operator_keeps_the_arrays_shape():
    src = '''import numpy as np
def update(W, dW, lr):
    W -= lr * dW
    return W
W = update(np.zeros((3, 4)), load_gradient(), 0.1)
bad = np.dot(W, np.zeros((3, 1)))
'''
    assert shapes(src)["W"] == [3, 4]
    assert codes(src) == [(6, "SL102")]


def test_percent_and_format_keys_name_the_same_entries_as_concatenation():
    src = '''import numpy as np
def init(dims):
    params = {}
    for l in range(1, len(dims)):
        params["W%d" % l] = np.random.randn(dims[l], dims[l - 1])
        params["b{}".format(l)] = np.zeros((dims[l], 1))
    return params
p = init([2, 14, 8, 1])
W2 = p["W" + str(2)]
b3 = p["b%s" % (3,)]
W3 = p["W{0}".format(3)]
other = p["W%05.1f" % 2]
bad = np.dot(W2, p["W1"].T)
'''
    got = shapes(src)
    assert got["W2"] == [8, 14] and got["b3"] == [1, 1] and got["W3"] == [1, 8]
    assert got["other"] is None  # a format we do not follow names no entry
    assert codes(src) == [(13, "SL102")]


def test_a_call_python_refuses_runs_nothing_inside():
    # five arguments to four parameters (or an unknown keyword) is a TypeError at the call:
    # the callee's body, analyzed with misplaced arguments, must not report shape errors
    src = '''import numpy as np
def backward(dZ, caches, lambd, keep_prob):
    return np.dot(dZ, caches[0])
AL = np.zeros((1, 5))
Y = np.zeros((2, 2))
caches = [np.zeros((3, 1))]
backward(AL, Y, caches, 0, 1)
backward(AL, caches=caches, lambd=0, keep_prob=1, extra=2)
backward(AL, caches, 0, 1)
'''
    assert codes(src) == [(3, "SL102")]  # with the shapes of line 9 only
    (d,) = analyze_source(src, "example.py").diagnostics
    assert [r.line for r in d.related] == [9]


def test_np_pad_grows_each_axis_by_its_pair():
    src = ("import numpy as np\n"
           "def zero_pad(X, pad):\n"
           "    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode='constant', constant_values=(0, 0))\n"
           "x_pad = zero_pad(np.zeros((4, 3, 3, 2)), 2)\n"
           "one = np.pad(np.zeros((2, 3)), 1)\n"
           "pair = np.pad(np.zeros((2, 3)), (1, 2))\n"
           "def nested(X, pads):\n"
           "    return np.pad(X, (pads[0], pads[1]))\n"
           "u = nested(np.zeros((2, 3)), [(1, 1), (0, 0)])\n"
           "def no_caller(pads):\n"
           "    P = np.pad(np.zeros((2, 3)), (pads[0], pads[1]))\n"
           "    return P\n")
    got = shapes(src)
    assert got["x_pad"] == [4, 7, 7, 2]
    assert got["one"] == [4, 5] and got["pair"] == [5, 6]
    assert got["u"] == [4, 3]  # the pairs the call passes
    assert got["P"] is None  # pads[0] might be a pair or a size: the nesting is unknown


def test_a_pad_width_nobody_knows_may_be_zero():
    # the course's conv_backward: `if pad == 0:` the padded slice is the array itself; a width of
    # unknown value is no size of its own (sizes are positive; a width is often 0)
    src = ("import numpy as np\n"
           "def zero_pad(X, pad):\n"
           "    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode='constant')\n"
           "def back(cache):\n"
           "    (A_prev, hparameters) = cache\n"
           "    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape\n"
           "    pad = hparameters['pad']\n"
           "    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))\n"
           "    dA_prev_pad = zero_pad(dA_prev, pad)\n"
           "    for i in range(m):\n"
           "        da_prev_pad = dA_prev_pad[i]\n"
           "        if pad == 0:\n"
           "            dA_prev[i, :, :, :] = da_prev_pad\n"
           "        else:\n"
           "            dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]\n"
           "    return dA_prev\n")
    assert analyze_source(src, "conv.py").diagnostics == []
    assert shapes(src)["dA_prev_pad"] == [None, None, None, None]  # rank 4, the padded sizes unknown
