"""Inputs made from the course's layout conventions, for functions nothing calls and no docstring declares.

The deeplearning.ai course names its values the same way in every
assignment, and the names fix the shapes (column layout, one example per
column): ``X`` is ``(n_x, m)``, ``Y`` and ``AL`` are ``(n_y, m)``, ``Wl`` is
``(n_l, n_l-1)``, ``bl`` is ``(n_l, 1)``, ``Zl`` / ``Al`` / ``dZl`` / ``dAl``
are ``(n_l, m)``, ``parameters`` is the dict of ``W1``..``WL`` and
``b1``..``bL`` (``grads``, ``v`` and ``s`` the dicts of their gradients),
``layers_dims`` the list of layer sizes, and a backward step's ``cache`` what
its forward step kept.  ``inputs(fn)`` makes every required parameter of a
function from its name, or gives up (None) when one of them is not a
convention name; the worker calls the function once on them (``rerun_worker.py``),
and a function whose original raises on them stays unclassifiable.

The sizes are distinct (5 features, 7 examples, hidden layers of 4 and 3),
except the course's single output unit (``n_y`` = 1).
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from . import mutate

M = 7  # examples
SIZES = {"n_x": 5, "n_1": 4, "n_2": 3, "n_3": 1, "n_y": 1}
LAYERS = 3  # parameters W1..W3: the deep-network assignments read len(parameters) // 2 layers
# an unnumbered layer (linear_forward(A, W, b)) is the first one: n_prev = n_x, n_l = n_1
N_PREV, N_L = SIZES["n_x"], SIZES["n_1"]

FLOATS = {"learning_rate": 0.01, "lambd": 0.7, "keep_prob": 0.8, "beta": 0.9, "beta1": 0.9, "beta2": 0.999,
          "epsilon": 1e-8, "alpha": 0.01}
INTS = {"n_x": SIZES["n_x"], "n_h": SIZES["n_1"], "n_y": SIZES["n_y"], "m": M, "num_iterations": 3, "t": 2,
        "L": LAYERS}
STRINGS = {"activation": "relu"}
BACKWARD_OF_ACTIVATION = ("relu_backward", "sigmoid_backward", "tanh_backward")

_NUMBERED = re.compile(r"^(d?)([WbZA])(\d)$")


def _n(layer: int) -> int:
    return SIZES["n_x"] if layer == 0 else SIZES.get(f"n_{layer}", SIZES["n_y"])


def _array(*shape: int) -> dict:
    return {"kind": "array", "shape": list(shape)}


def _layer_dict(prefix: str) -> dict:
    items = {}
    for layer in range(1, LAYERS + 1):
        items[f"{prefix}W{layer}"] = _array(_n(layer), _n(layer - 1))
        items[f"{prefix}b{layer}"] = _array(_n(layer), 1)
    return {"kind": "dict", "items": items}


def _numbered(name: str) -> Optional[dict]:
    match = _NUMBERED.match(name)
    if not match:
        return None
    letter, layer = match.group(2), int(match.group(3))
    if layer > LAYERS + 1:
        return None
    if letter == "W":
        return _array(_n(layer), _n(layer - 1)) if layer else None
    if letter == "b":
        return _array(_n(layer), 1) if layer else None
    return _array(_n(layer), M)


def value(name: str, params: Tuple[str, ...], function: str) -> Optional[dict]:
    """The input for one parameter named by the course's conventions (None when the name is not one)."""
    numbered = _numbered(name)
    if numbered is not None:
        return numbered
    if name == "X":
        return _array(SIZES["n_x"], M)
    if name in ("Y", "AL", "Y_hat", "Yhat"):
        return _array(SIZES["n_y"], M)
    if name in ("W", "dW"):
        return _array(N_L, N_PREV)
    if name in ("b", "db"):
        if "w" in params:  # logistic regression: w (n_x, 1) and a scalar bias
            return {"kind": "float", "value": 0.5}
        return _array(N_L, 1)
    if name == "w" and "X" in params:
        return _array(SIZES["n_x"], 1)
    if name in ("Z", "dZ", "dA"):
        return _array(N_L, M)
    if name in ("A_prev", "dA_prev"):
        return _array(N_PREV, M)
    if name == "A":  # the previous layer's activations when the function takes W (linear_forward(A, W, b))
        return _array(N_PREV if "W" in params else N_L, M)
    if name == "parameters":
        return _layer_dict("")
    if name in ("grads", "v", "s"):
        return _layer_dict("d")
    if name in ("layers_dims", "layer_dims"):
        return {"kind": "list", "items": [{"kind": "int", "value": _n(k)} for k in range(LAYERS + 1)]}
    if name == "cache":
        linear = {"kind": "tuple", "items": [_array(N_PREV, M), _array(N_L, N_PREV), _array(N_L, 1)]}
        if function in BACKWARD_OF_ACTIVATION:
            return _array(N_L, M)  # Z
        if function == "linear_backward":
            return linear
        if function == "linear_activation_backward":
            return {"kind": "tuple", "items": [linear, _array(N_L, M)]}
        return None
    if name in FLOATS:
        return {"kind": "float", "value": FLOATS[name]}
    if name in INTS:
        return {"kind": "int", "value": INTS[name]}
    if name in STRINGS:
        return {"kind": "str", "value": STRINGS[name]}
    return None


def inputs(fn: mutate.Function) -> Optional[List[dict]]:
    """Every required parameter of a top-level function made from its name, with at least one array;
    None when one of them is not a convention name."""
    if fn.is_method or fn.has_varargs or fn.kwonly_required:
        return None
    required = fn.params[: fn.n_positional - fn.defaults]
    out: List[dict] = []
    for p in required:
        v = value(p, required, fn.qualname)
        if v is None:
            return None
        out.append(dict(v, name=p))
    if not any(v["kind"] in ("array", "dict", "tuple") for v in out):
        return None
    return out


def shapes_of(spec: List[dict]) -> Dict[str, object]:
    """name -> shape (or value) of a spec, for tests and for reading a job."""
    def one(v: dict):
        if v["kind"] == "array":
            return tuple(v["shape"])
        if v["kind"] in ("dict",):
            return {k: one(x) for k, x in v["items"].items()}
        if v["kind"] in ("list", "tuple"):
            return [one(x) for x in v["items"]]
        return v["value"]
    return {v["name"]: one(v) for v in spec}
