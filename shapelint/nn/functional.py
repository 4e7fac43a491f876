"""The step-by-step functions of an L-layer network, in the column layout.

Forward, for l = 1 .. L (A0 = X)::

    Z[l] = W[l] A[l-1] + b[l]        linear_forward
    A[l] = g[l](Z[l])                linear_activation_forward
                                     model_forward runs all L layers
    J    = cost(A[L], Y) (+ L2)      compute_cost

Backward, for l = L .. 1::

    dZ[l]   = dA[l] * g'[l](Z[l])    (AL - Y for the fused output/cost pairs)
    dW[l]   = 1/m dZ[l] A[l-1].T (+ lambd/m W[l])
    db[l]   = 1/m sum(dZ[l], axis=1)
    dA[l-1] = W[l].T dZ[l]           linear_backward, linear_activation_backward
                                     model_backward runs all L layers
    W[l] -= learning_rate * dW[l]    update_parameters

Shapes: X (n[0], m); W[l] (n[l], n[l-1]); b[l] (n[l], 1); Z[l], A[l], dZ[l],
dA[l] (n[l], m); Y (n[L], m).  Every function checks the tensors it receives
(see :mod:`shapelint.nn.checks`) and raises :class:`shapelint.ShapeError`
naming the layer and tensor; the outputs follow from the checked inputs.

dA[0] (the gradient with respect to X) is never computed: nothing uses it, and
for wide inputs it is one of the largest products of the backward pass.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from shapelint.nn import checks
from shapelint.nn.activations import get_activation
from shapelint.nn.costs import FUSED_PAIRS, get_cost, l2_cost
from shapelint.nn.checks import ShapeError, check_shape, format_shape_error

__all__ = [
    "LayerCache",
    "linear_forward",
    "linear_activation_forward",
    "model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "model_backward",
    "update_parameters",
    "predict",
    "labels_from_output",
    "random_mini_batches",
    "check_parameters",
]

RandomSource = Union[None, np.random.Generator, np.random.RandomState]

_SYM_A_PREV = ("n[l-1]", "m")
_SYM_LAYER = ("n[l]", "m")
_SYM_W = ("n[l]", "n[l-1]")
_SYM_B = ("n[l]", "1")


class LayerCache(NamedTuple):
    """What the forward step of one layer keeps for its backward step.

    linear_cache -- (A_prev, W, b): A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1)
    Z -- pre-activation, shape (n[l], m)
    A -- activation g(Z) after dropout, shape (n[l], m)
    D -- dropout mask (bool) of shape (n[l], m), or None without dropout
    keep_prob -- probability of keeping a unit (1.0 without dropout)

    The first two fields are the course's (linear_cache, activation_cache).
    """

    linear_cache: Tuple[np.ndarray, np.ndarray, np.ndarray]
    Z: np.ndarray
    A: np.ndarray
    D: Optional[np.ndarray] = None
    keep_prob: float = 1.0


# -- the three matrix products ---------------------------------------------------------
# All the arithmetic of a training step is in these three GEMMs, so the layout
# of the call handed to BLAS is decided here, once.  The same product can be
# asked for as C = A B or as C.T = B.T A.T; BLAS kernels block the two
# differently.  Measured with OpenBLAS 0.3 (numpy's wheels) on one core:
# float32 products whose right-hand operand is column-major (F-ordered, as X
# is after the usual x.reshape(m, -1).T, and as everything downstream of it
# then is) run 10-40% faster transposed; float64 products run as fast or
# faster as written.  Only the order of the floating-point sums can differ.
# dA[l-1] is given the layout of A[l-1] (the relu mask it is multiplied
# with), whatever the layout of dZ[l]; the softmax output is C-ordered.


def _prefer_transposed(right: np.ndarray) -> bool:
    return right.dtype == np.float32 and right.flags.f_contiguous and not right.flags.c_contiguous


def _forward_product(W: np.ndarray, A_prev: np.ndarray) -> np.ndarray:
    """W A_prev: (n[l], n[l-1]) x (n[l-1], m) -> (n[l], m)."""
    if _prefer_transposed(A_prev):
        return (A_prev.T @ W.T).T
    return W @ A_prev


def _weight_gradient_product(dZ: np.ndarray, A_prev: np.ndarray) -> np.ndarray:
    """dZ A_prev.T: (n[l], m) x (m, n[l-1]) -> (n[l], n[l-1])."""
    return dZ @ A_prev.T


def _input_gradient_product(W: np.ndarray, dZ: np.ndarray,
                            A_prev: Optional[np.ndarray] = None) -> np.ndarray:
    """W.T dZ: (n[l-1], n[l]) x (n[l], m) -> (n[l-1], m), laid out like A_prev (or dZ)."""
    if _prefer_transposed(dZ if A_prev is None else A_prev):
        return (dZ.T @ W).T
    return W.T @ dZ


# -- checks shared by the forward and backward steps ------------------------------


def _check_linear(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, layer: Optional[int],
                  where: str) -> None:
    """Check A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1) against each other.

    A_prev is trusted for n[l-1] unless it is the one that looks transposed
    relative to W; W's rows give n[l] unless W is the transposed one.
    """
    if A_prev.ndim != 2:
        n_prev = W.shape[1] if W.ndim == 2 else None
        raise ShapeError(format_shape_error("A_prev", layer, _SYM_A_PREV, (n_prev, None),
                                            A_prev.shape, where))
    if W.ndim != 2:
        raise ShapeError(format_shape_error("W", layer, _SYM_W, (None, A_prev.shape[0]),
                                            W.shape, where))
    n_prev, m = A_prev.shape
    if W.shape[1] != n_prev:
        if W.shape[0] == n_prev:
            # W arrived as (n[l-1], n[l]).
            expected = (W.shape[1], n_prev)
            raise ShapeError(format_shape_error("W", layer, _SYM_W, expected, W.shape, where))
        if m == W.shape[1]:
            # A_prev arrived as (m, n[l-1]); usually X.
            hint = None
            if layer == 1:
                hint = f"X looks transposed: got (m, n_x) = {A_prev.shape}; use X.T"
            raise ShapeError(format_shape_error("A_prev", layer, _SYM_A_PREV,
                                                (W.shape[1], None), A_prev.shape, where, hint))
        n = b.shape[0] if b.ndim >= 1 else W.shape[0]
        raise ShapeError(format_shape_error("W", layer, _SYM_W, (n, n_prev), W.shape, where))
    if b.shape != (W.shape[0], 1):
        raise ShapeError(format_shape_error("b", layer, _SYM_B, (W.shape[0], 1), b.shape, where))
    if W.dtype.kind != "f":
        checks.check_float(W, checks.tensor_name("W", layer), where)
    if A_prev.dtype != W.dtype:
        checks.check_same_dtype(A_prev, W, checks.tensor_name("A_prev", layer),
                                checks.tensor_name("W", layer), where)
    if b.dtype != W.dtype:
        checks.check_same_dtype(b, W, checks.tensor_name("b", layer),
                                checks.tensor_name("W", layer), where)


# -- forward ---------------------------------------------------------------------------


def linear_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray,
                   layer: Optional[int] = None
                   ) -> Tuple[np.ndarray, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The linear part of a layer's forward step: Z = W A_prev + b.

    Arguments:
    A_prev -- activations from the previous layer (or X), shape (n[l-1], m)
    W -- weights matrix of shape (n[l], n[l-1])
    b -- bias vector of shape (n[l], 1)
    layer -- the index l, used only to name tensors in error messages

    Returns:
    Z -- the pre-activation, shape (n[l], m)
    linear_cache -- (A_prev, W, b), for linear_backward
    """
    if checks.enabled:
        _check_linear(A_prev, W, b, layer, "linear_forward")
    Z = _forward_product(W, A_prev)
    Z += b
    return Z, (A_prev, W, b)


def linear_activation_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray,
                              activation: str, layer: Optional[int] = None,
                              keep_prob: float = 1.0, rng: RandomSource = None
                              ) -> Tuple[np.ndarray, LayerCache]:
    """One layer's forward step: A = g(W A_prev + b), with optional inverted dropout.

    Arguments:
    A_prev -- activations from the previous layer (or X), shape (n[l-1], m)
    W -- weights matrix of shape (n[l], n[l-1])
    b -- bias vector of shape (n[l], 1)
    activation -- "sigmoid", "tanh", "relu", "leaky_relu", "softmax" or "linear"
    layer -- the index l, for error messages
    keep_prob -- probability of keeping each unit; below 1, units are dropped with
                 a mask D and the survivors scaled by 1/keep_prob (inverted dropout)
    rng -- source of the dropout mask: a np.random.Generator, a RandomState, or
           None for the legacy global np.random (as in the course)

    Returns:
    A -- the activation, shape (n[l], m)
    cache -- LayerCache(linear_cache, Z, A, D, keep_prob), for the backward step
    """
    g = get_activation(activation)
    if checks.enabled:
        _check_linear(A_prev, W, b, layer, "linear_activation_forward")
    Z = _forward_product(W, A_prev)
    Z += b
    A = g.forward(Z)
    D = None
    if keep_prob < 1.0:
        D = _dropout_mask(A.shape, keep_prob, rng)
        if A is Z:
            A = A * D
        else:
            A *= D
        A /= keep_prob
    return A, LayerCache((A_prev, W, b), Z, A, D, keep_prob)


def _dropout_mask(shape: Tuple[int, int], keep_prob: float, rng: RandomSource) -> np.ndarray:
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
    if isinstance(rng, np.random.Generator):
        return rng.random(shape) < keep_prob
    source = np.random if rng is None else rng
    return source.rand(*shape) < keep_prob


def model_forward(X: np.ndarray, parameters: Dict[str, np.ndarray], hidden: str = "relu",
                  output: str = "sigmoid", keep_prob: float = 1.0, rng: RandomSource = None,
                  layer_dims: Optional[Sequence[int]] = None
                  ) -> Tuple[np.ndarray, List[LayerCache]]:
    """Forward propagation through all L layers: [LINEAR -> hidden] x (L-1) -> LINEAR -> output.

    Arguments:
    X -- input data of shape (n[0], m), one example per column
    parameters -- dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1) for l = 1..L
    hidden -- activation of layers 1..L-1
    output -- activation of layer L ("sigmoid", "softmax", "linear", ...)
    keep_prob -- inverted dropout on the hidden layers (never on X or on AL)
    rng -- source of the dropout masks (see linear_activation_forward)
    layer_dims -- [n[0], ..., n[L]] if known; otherwise read off the parameters

    Returns:
    AL -- the output activation, shape (n[L], m)
    caches -- one LayerCache per layer, caches[l-1] for layer l
    """
    L = len(parameters) // 2
    if checks.enabled:
        if get_activation(hidden).output_only:
            raise ValueError(f"{hidden!r} is an output activation; use it as output=")
        dims = check_parameters(parameters, layer_dims, "model_forward")
        checks.check_data(X, dims[0], "model_forward")
        checks.check_float(X, "X", "model_forward")
        checks.check_same_dtype(X, parameters["W1"], "X", "W1", "model_forward")
    caches = []
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"],
                                             hidden, l, keep_prob, rng)
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"],
                                          output, L)
    caches.append(cache)
    return AL, caches


def check_parameters(parameters: Dict[str, np.ndarray], layer_dims: Optional[Sequence[int]],
                     where: str) -> Tuple[int, ...]:
    """Check W[l] (n[l], n[l-1]) and b[l] (n[l], 1) for every layer; return layer_dims.

    Without layer_dims they are read off the parameters (checks.infer_layer_dims).
    Runs whether or not the global checks are enabled: callers decide.
    """
    if layer_dims is None:
        return checks.infer_layer_dims(parameters, where)
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        W = parameters.get(f"W{l}")
        b = parameters.get(f"b{l}")
        if W is None or b is None:
            raise ShapeError(f"in {where}: parameters lack W{l} or b{l} (layer_dims has L = {L})")
        check_shape(W, (layer_dims[l], layer_dims[l - 1]), "W", l, _SYM_W, where)
        check_shape(b, (layer_dims[l], 1), "b", l, _SYM_B, where)
    return tuple(layer_dims)


# -- cost ------------------------------------------------------------------------------


def compute_cost(AL: np.ndarray, Y: np.ndarray, cost: str = "binary_cross_entropy",
                 parameters: Optional[Dict[str, np.ndarray]] = None,
                 lambd: float = 0.0) -> float:
    """The cost J of the predictions AL against the labels Y, plus the L2 term.

    Arguments:
    AL -- output activations (probabilities for sigmoid/softmax), shape (n[L], m)
    Y -- labels, shape (n[L], m): 0/1 for sigmoid, one-hot columns for softmax
    cost -- "binary_cross_entropy" ("bce"), "categorical_cross_entropy" ("cce")
            or "mean_squared_error" ("mse")
    parameters -- needed only when lambd > 0: the W[l] to regularize
    lambd -- L2 regularization strength; adds lambd/(2m) * sum ||W[l]||^2

    Returns:
    cost -- a Python float
    """
    spec = get_cost(cost)
    if checks.enabled:
        _check_labels_against(AL, Y, "compute_cost")
    J = spec.function(AL, Y)
    if lambd:
        if parameters is None:
            raise ValueError("compute_cost: lambd > 0 needs the parameters")
        J += l2_cost(parameters, float(lambd), AL.shape[1])
    return J


def _check_labels_against(AL: np.ndarray, Y: np.ndarray, where: str) -> None:
    if AL.ndim != 2:
        raise ShapeError(format_shape_error("AL", None, ("n[L]", "m"), (None, None),
                                            AL.shape, where))
    if Y.shape != AL.shape:
        checks.check_labels(Y, AL.shape[0], AL.shape[1], where)


# -- backward --------------------------------------------------------------------------


def linear_backward(dZ: np.ndarray, linear_cache: Tuple[np.ndarray, np.ndarray, np.ndarray],
                    layer: Optional[int] = None, lambd: float = 0.0,
                    need_dA_prev: bool = True
                    ) -> Tuple[Optional[np.ndarray], np.ndarray, np.ndarray]:
    """The linear part of a layer's backward step.

    Arguments:
    dZ -- gradient of the cost with respect to Z[l], shape (n[l], m)
    linear_cache -- (A_prev, W, b) from linear_forward:
        A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1)
    layer -- the index l, for error messages
    lambd -- L2 regularization strength: adds lambd/m * W to dW
    need_dA_prev -- False skips dA_prev = W.T dZ (for layer 1 it is dJ/dX,
                    which nothing uses)

    Returns:
    dA_prev -- gradient with respect to A[l-1], shape (n[l-1], m), or None
    dW -- gradient with respect to W[l], shape (n[l], n[l-1])
    db -- gradient with respect to b[l], shape (n[l], 1)
    """
    A_prev, W, b = linear_cache
    if checks.enabled:
        _check_linear(A_prev, W, b, layer, "linear_backward")
        check_shape(dZ, (W.shape[0], A_prev.shape[1]), "dZ", layer, _SYM_LAYER,
                    "linear_backward")
        if dZ.dtype != W.dtype:
            checks.check_same_dtype(dZ, W, checks.tensor_name("dZ", layer),
                                    checks.tensor_name("W", layer), "linear_backward")
    inv_m = 1.0 / A_prev.shape[1]
    # The course's 1./m * np.dot(dZ, A_prev.T), scaling the product in place
    # (same rounding, no temporary).
    dW = _weight_gradient_product(dZ, A_prev)
    dW *= inv_m
    if lambd:
        dW += (float(lambd) * inv_m) * W
    db = dZ.sum(axis=1, keepdims=True)
    db *= inv_m
    dA_prev = _input_gradient_product(W, dZ, A_prev) if need_dA_prev else None
    return dA_prev, dW, db


def linear_activation_backward(dA: np.ndarray, cache: LayerCache, activation: str,
                               layer: Optional[int] = None, lambd: float = 0.0,
                               need_dA_prev: bool = True, overwrite_dA: bool = False
                               ) -> Tuple[Optional[np.ndarray], np.ndarray, np.ndarray]:
    """One layer's backward step: dZ = dA * g'(Z), then linear_backward.

    Arguments:
    dA -- gradient of the cost with respect to A[l], shape (n[l], m)
    cache -- the LayerCache of this layer from linear_activation_forward
    activation -- the activation used in the forward step
    layer, lambd, need_dA_prev -- as for linear_backward
    overwrite_dA -- let dZ reuse dA's memory (when the caller no longer needs dA)

    Returns:
    dA_prev -- gradient with respect to A[l-1], shape (n[l-1], m), or None
    dW -- shape (n[l], n[l-1]);  db -- shape (n[l], 1)

    Dropout is not undone here: model_backward applies the mask to dA first.
    """
    g = get_activation(activation)
    Z = cache.Z
    if checks.enabled:
        check_shape(dA, Z.shape, "dA", layer, _SYM_LAYER, "linear_activation_backward")
    A = cache.A if cache.D is None else None  # after dropout A is no longer g(Z)
    dZ = g.backward(dA, Z, A, out=dA if overwrite_dA else None)
    return linear_backward(dZ, cache.linear_cache, layer, lambd, need_dA_prev)


def model_backward(AL: np.ndarray, Y: np.ndarray, caches: Sequence[LayerCache],
                   hidden: str = "relu", output: str = "sigmoid",
                   cost: str = "binary_cross_entropy", lambd: float = 0.0,
                   fused: bool = True) -> Dict[str, np.ndarray]:
    """Backward propagation through all L layers.

    Arguments:
    AL -- output of model_forward, shape (n[L], m)
    Y -- labels, shape (n[L], m)
    caches -- the list of LayerCache returned by model_forward
    hidden, output -- the activations used in model_forward
    cost -- the cost whose gradient is wanted (see compute_cost)
    lambd -- L2 regularization strength
    fused -- for sigmoid+binary_cross_entropy, softmax+categorical_cross_entropy
             and linear+mean_squared_error, start from dZ[L] = AL - Y instead of
             dAL = dJ/dAL followed by the output's backward step (same value,
             fewer operations, no division by AL)

    Returns:
    grads -- dict with dW[l] (n[l], n[l-1]) and db[l] (n[l], 1) for l = 1..L.
             Unlike the course's grads it holds no dA[l]: each dA[l] is
             overwritten by dZ[l] to save a pass over memory, and dA0 = dJ/dX
             is never computed.
    """
    L = len(caches)
    spec = get_cost(cost)
    if checks.enabled:
        _check_labels_against(AL, Y, "model_backward")
        if L == 0 or caches[-1].A is not AL and caches[-1].A.shape != AL.shape:
            raise ShapeError(
                f"in model_backward: caches do not belong to AL: the last cache has A of shape "
                f"{caches[-1].A.shape if L else None}, AL has {AL.shape}"
            )
    grads: Dict[str, np.ndarray] = {}
    last = caches[L - 1]
    if fused and (output, spec.name) in FUSED_PAIRS:
        dZ = AL - Y
        dA_prev, dW, db = linear_backward(dZ, last.linear_cache, L, lambd, need_dA_prev=L > 1)
    else:
        dAL = spec.derivative(AL, Y)
        dA_prev, dW, db = linear_activation_backward(dAL, last, output, L, lambd,
                                                     need_dA_prev=L > 1, overwrite_dA=True)
    grads[f"dW{L}"] = dW
    grads[f"db{L}"] = db
    for l in range(L - 1, 0, -1):
        cache = caches[l - 1]
        dA = dA_prev  # a fresh array of ours, so dZ may take its memory
        if cache.D is not None:
            # Inverted dropout: only the kept units had an effect, scaled by 1/keep_prob.
            dA *= cache.D
            dA /= cache.keep_prob
        dA_prev, dW, db = linear_activation_backward(
            dA, cache, hidden, l, lambd, need_dA_prev=l > 1, overwrite_dA=True)
        grads[f"dW{l}"] = dW
        grads[f"db{l}"] = db
    return grads


# -- update -----------------------------------------------------------------------------


def update_parameters(parameters: Dict[str, np.ndarray], grads: Dict[str, np.ndarray],
                      learning_rate: float) -> Dict[str, np.ndarray]:
    """One step of gradient descent: W[l] -= learning_rate * dW[l], b[l] likewise.

    Arguments:
    parameters -- dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1)
    grads -- dict of dW[l] and db[l] of the same shapes
    learning_rate -- the step size

    Returns:
    parameters -- the same dict, updated in place (the arrays are modified, so
                  a copy taken before the call keeps the old values)
    """
    lr = float(learning_rate)  # a NumPy float64 scalar would upcast float32 weights
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for name in ("W", "b"):
            param = parameters[f"{name}{l}"]
            grad = grads[f"d{name}{l}"]
            if checks.enabled and grad.shape != param.shape:
                raise ShapeError(format_shape_error(
                    f"d{name}", l, _SYM_W if name == "W" else _SYM_B, param.shape,
                    grad.shape, "update_parameters"))
            param -= lr * grad
    return parameters


# -- prediction and batches ----------------------------------------------------------------


def predict(X: np.ndarray, parameters: Dict[str, np.ndarray], hidden: str = "relu",
            output: str = "sigmoid") -> np.ndarray:
    """Labels for X: 0/1 (AL > 0.5) for sigmoid, one-hot argmax for softmax, AL otherwise.

    X -- input data of shape (n[0], m)
    Returns predictions of shape (n[L], m), in X's dtype.
    """
    AL, _ = model_forward(X, parameters, hidden, output)
    return labels_from_output(AL, output)


def labels_from_output(AL: np.ndarray, output: str) -> np.ndarray:
    """Turn output activations (n[L], m) into labels of the same shape."""
    if output == "sigmoid":
        return (AL > 0.5).astype(AL.dtype)
    if output == "softmax":
        labels = np.zeros_like(AL)
        labels[AL.argmax(axis=0), np.arange(AL.shape[1])] = 1
        return labels
    if output == "tanh":
        return (AL > 0).astype(AL.dtype)
    return AL


def random_mini_batches(X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64,
                        rng: RandomSource = None, seed: Optional[int] = None
                        ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Shuffle the examples and cut them into mini-batches.

    Arguments:
    X -- input data of shape (n[0], m)
    Y -- labels of shape (n[L], m)
    mini_batch_size -- examples per batch; the last batch holds the rest
    rng -- a np.random.Generator or RandomState; default the legacy np.random
    seed -- if given, np.random.seed(seed) first (as the course does)

    Returns:
    mini_batches -- list of (mini_batch_X (n[0], k), mini_batch_Y (n[L], k))
    """
    m = X.shape[1]
    if checks.enabled:
        if X.ndim != 2:
            raise ShapeError(format_shape_error("X", None, ("n_x", "m"), (None, None), X.shape,
                                                "random_mini_batches"))
        checks.check_labels(Y, Y.shape[0] if Y.ndim == 2 else 1, m, "random_mini_batches")
    if seed is not None:
        np.random.seed(seed)
    if isinstance(rng, np.random.Generator):
        permutation = rng.permutation(m)
    else:
        permutation = (np.random if rng is None else rng).permutation(m)
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation]
    return [(shuffled_X[:, k:k + mini_batch_size], shuffled_Y[:, k:k + mini_batch_size])
            for k in range(0, m, mini_batch_size)]
