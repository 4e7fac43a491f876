"""shapelint.nn: a NumPy L-layer network that asserts every (n[l], m) shape.

Column layout, one example per column::

    X (n[0], m)   W[l] (n[l], n[l-1])   b[l] (n[l], 1)   Z[l], A[l] (n[l], m)   Y (n[L], m)

A wrong shape anywhere stops at once with :class:`shapelint.ShapeError`::

    in linear_forward, layer 2: W2: expected (n[2], n[1]) = (7, 20), got (20, 7)
      hint: W2 looks transposed: got (n[1], n[2]); use W2.T

Two levels of API:

* :class:`Model` -- ``Model(layer_dims, hidden, output, init, seed)``, ``fit``,
  ``predict``, ``predict_proba``, ``score``, ``costs``, ``save``/``load``.
* the step-by-step functions of :mod:`shapelint.nn.functional`
  (``linear_forward`` ... ``update_parameters``), with
  :mod:`~shapelint.nn.init`, :mod:`~shapelint.nn.activations`,
  :mod:`~shapelint.nn.costs`, :mod:`~shapelint.nn.optim` and
  :mod:`~shapelint.nn.gradcheck`.

Checks: :func:`set_checks` / :func:`shape_checks` switch them for the process
or a block, ``Model(check_shapes=False)`` for one model.
"""

from shapelint.errors import ShapeError
from shapelint.nn.checks import InputError, NonFiniteCostError, set_checks, shape_checks
from shapelint.nn.functional import (
    LayerCache,
    compute_cost,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    model_backward,
    model_forward,
    predict,
    random_mini_batches,
    update_parameters,
)
from shapelint.nn.gradcheck import GradCheckResult, gradient_check
from shapelint.nn.init import initialize_parameters
from shapelint.nn.model import Model
from shapelint.nn.optim import Adam, GradientDescent, Momentum

__all__ = [
    "Model",
    "ShapeError",
    "InputError",
    "NonFiniteCostError",
    "set_checks",
    "shape_checks",
    "initialize_parameters",
    "linear_forward",
    "linear_activation_forward",
    "model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "model_backward",
    "update_parameters",
    "predict",
    "random_mini_batches",
    "LayerCache",
    "gradient_check",
    "GradCheckResult",
    "GradientDescent",
    "Momentum",
    "Adam",
]
