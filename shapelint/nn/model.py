"""A small model object on top of the step-by-step functions.

    model = Model([12288, 20, 7, 5, 1], hidden="relu", output="sigmoid", seed=1)
    costs = model.fit(X, Y, learning_rate=0.0075, iterations=2500)
    model.score(X_test, Y_test)

X is (n[0], m) and Y is (n[L], m): one example per column, as everywhere in
shapelint.nn.  Data is validated once when it enters fit/predict/score (shape,
rank, dtype, NaN/inf, label values); every iteration then runs the shape
assertions of the functional API, and the cost of every iteration is checked
for NaN/inf before the parameters are updated.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from shapelint.nn import checks
from shapelint.nn.activations import get_activation
from shapelint.nn.checks import InputError, ShapeError, shape_checks
from shapelint.nn.costs import DEFAULT_COST, get_cost
from shapelint.nn.functional import (
    check_parameters,
    compute_cost,
    labels_from_output,
    model_backward,
    model_forward,
)
from shapelint.nn.gradcheck import GradCheckResult, gradient_check
from shapelint.nn.init import initialize_parameters
from shapelint.nn.optim import Optimizer, get_decay, get_optimizer
from shapelint.nn.workspace import Workspace, workspace_applies

__all__ = ["Model"]

PathLike = Union[str, "os.PathLike[str]"]


class Model:
    """An L-layer fully connected network in the column layout.

    Arguments:
    layer_dims -- [n[0], n[1], ..., n[L]]: input size, hidden sizes, output size
    hidden -- activation of layers 1..L-1: "relu", "leaky_relu", "tanh", "sigmoid"
    output -- activation of layer L: "sigmoid" (0/1 labels), "softmax" (one-hot
              labels), "linear" (regression), "tanh"
    init -- "small", "scaled", "he" or "xavier" (see shapelint.nn.init)
    seed -- if given, np.random.seed(seed) before drawing W1, W2, ... in order
    rng -- a np.random.Generator instead of the legacy global RNG; also used for
           dropout masks and mini-batch shuffling
    cost -- "binary_cross_entropy", "categorical_cross_entropy" or
            "mean_squared_error"; default: the natural one for *output*
    dtype -- np.float64 (default) or np.float32; data is converted once to it
    check_shapes -- False turns off every shape/dtype/value assertion while
                    this model runs (the NaN/inf cost check stays on)

    Attributes:
    parameters -- dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1)
    costs -- the cost of every iteration of every fit so far
    """

    def __init__(self, layer_dims: Sequence[int], hidden: str = "relu",
                 output: str = "sigmoid", init: str = "scaled", seed: Optional[int] = None,
                 rng: Optional[np.random.Generator] = None, cost: Optional[str] = None,
                 dtype=np.float64, check_shapes: bool = True):
        self._configure(layer_dims, hidden, output, cost, dtype, check_shapes, rng)
        self.init = init
        self.parameters: Dict[str, np.ndarray] = initialize_parameters(
            self.layer_dims, init, seed=seed, rng=rng, dtype=self.dtype)

    def _configure(self, layer_dims, hidden, output, cost, dtype, check_shapes, rng) -> None:
        self.layer_dims = tuple(int(n) for n in layer_dims)
        if len(self.layer_dims) < 2:
            raise ValueError(f"layer_dims needs at least [n_x, n_y], got {list(layer_dims)}")
        if get_activation(hidden).output_only:
            raise ValueError(f"{hidden!r} is an output activation; use it as output=")
        get_activation(output)
        self.hidden = hidden
        self.output = output
        self.cost = get_cost(cost or DEFAULT_COST.get(output, "mean_squared_error")).name
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be floating, got {self.dtype}")
        self.check_shapes = bool(check_shapes)
        self.rng = rng
        self.costs: List[float] = []
        self.optimizer: Optimizer = get_optimizer("gd")
        # Training buffers per batch shape (see shapelint.nn.workspace).
        self._workspaces: Dict[tuple, Workspace] = {}

    @property
    def L(self) -> int:
        """Number of layers with parameters."""
        return len(self.layer_dims) - 1

    def __repr__(self) -> str:
        return (f"Model({list(self.layer_dims)}, hidden={self.hidden!r}, output={self.output!r}, "
                f"cost={self.cost!r}, dtype={self.dtype.name})")

    # -- data entering the model ---------------------------------------------------

    def _prepare_X(self, X: np.ndarray, where: str) -> np.ndarray:
        if checks.enabled:
            checks.check_data(X, self.layer_dims[0], where)
            checks.check_float(X, "X", where)
            checks.check_finite(X, "X", where)
        return np.asarray(X, dtype=self.dtype)

    def _prepare_Y(self, Y: np.ndarray, m: int, where: str) -> np.ndarray:
        if checks.enabled:
            checks.check_labels(Y, self.layer_dims[-1], m, where)
            if Y.dtype.kind not in "biuf":
                raise InputError(f"in {where}: Y: expected numeric labels, got dtype {Y.dtype}")
            if Y.dtype.kind == "f":
                checks.check_finite(Y, "Y", where)
            self._check_label_values(Y, where)
        return np.asarray(Y, dtype=self.dtype)

    def _check_label_values(self, Y: np.ndarray, where: str) -> None:
        if self.cost == "binary_cross_entropy" and (Y.min() < 0 or Y.max() > 1):
            raise InputError(
                f"in {where}: Y: binary cross-entropy needs labels in [0, 1], got values in "
                f"[{Y.min()}, {Y.max()}]")
        if self.cost == "categorical_cross_entropy":
            sums = Y.sum(axis=0)
            if Y.min() < 0 or not np.allclose(sums, 1):
                raise InputError(
                    f"in {where}: Y: categorical cross-entropy needs one-hot (or probability) "
                    f"columns summing to 1\n  hint: np.eye({self.layer_dims[-1]})[labels].T")

    # -- training -------------------------------------------------------------------

    def train_step(self, X: np.ndarray, Y: np.ndarray, learning_rate: float,
                   lambd: float = 0.0, keep_prob: float = 1.0,
                   iteration: Optional[int] = None) -> float:
        """One iteration on one batch: forward, cost, backward, update.

        X -- input batch of shape (n[0], m), already in the model's dtype
        Y -- labels of shape (n[L], m), in the model's dtype
        Returns the cost of the batch, computed before the update.  Raises
        NonFiniteCostError (and leaves the parameters alone) if it is NaN/inf.
        The data is not scanned for NaN here; fit does that once.

        Relu networks whose output/cost pair gives dZ[L] = AL - Y, without
        dropout and with a built-in optimizer, run in buffers the model keeps
        per batch shape (shapelint.nn.workspace): the same numbers bit for bit
        as the step-by-step functions, with less memory traffic.
        """
        index = len(self.costs) if iteration is None else iteration
        with shape_checks(self.check_shapes):
            workspace = self._workspace(X, Y, keep_prob)
            if workspace is not None:
                return workspace.step(
                    self.parameters, X, Y, learning_rate, lambd, self.optimizer,
                    get_activation(self.output), lambda AL: self._cost(AL, Y, lambd),
                    lambda cost: checks.check_cost(cost, index))
            AL, caches = model_forward(X, self.parameters, self.hidden, self.output,
                                       keep_prob, self.rng, self.layer_dims)
            cost = self._cost(AL, Y, lambd)
            checks.check_cost(cost, index)
            grads = model_backward(AL, Y, caches, self.hidden, self.output, self.cost, lambd)
            self.optimizer.step(self.parameters, grads, learning_rate)
        return cost

    def _cost(self, AL: np.ndarray, Y: np.ndarray, lambd: float) -> float:
        # log(0) warnings would only precede the clearer NonFiniteCostError.
        with np.errstate(divide="ignore", invalid="ignore"):
            return compute_cost(AL, Y, self.cost, self.parameters, lambd)

    def _workspace(self, X: np.ndarray, Y: np.ndarray,
                   keep_prob: float) -> Optional[Workspace]:
        """The buffers for a batch like X, or None to take the functional path.

        The functional path handles what the workspace does not (dropout, other
        activations, custom optimizers) and every malformed input, so that its
        ShapeError or InputError is the one raised.
        """
        if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype == self.dtype
                and workspace_applies(self.hidden, self.output, self.cost, keep_prob,
                                      self.optimizer)):
            return None
        key = Workspace.key(X)
        workspace = self._workspaces.get(key)
        if workspace is None:
            if X.shape[0] != self.layer_dims[0]:
                return None
            if len(self._workspaces) >= 4:  # e.g. a last, smaller mini-batch
                self._workspaces.pop(next(iter(self._workspaces)))
            workspace = self._workspaces[key] = Workspace(self.layer_dims, X)
        return workspace if workspace.fits(self.parameters, X, Y) else None

    def fit(self, X: np.ndarray, Y: np.ndarray, learning_rate: float = 0.0075,
            iterations: int = 2500, *, epochs: Optional[int] = None,
            batch_size: Optional[int] = None,
            optimizer: Union[str, Optimizer, None] = "gd", lambd: float = 0.0,
            keep_prob: float = 1.0,
            decay: Union[None, str, Callable[[float, int], float]] = None,
            decay_rate: float = 1.0, decay_interval: int = 1000,
            print_every: Optional[int] = None, progress: Optional[bool] = None,
            plot: Optional[PathLike] = None) -> List[float]:
        """Train and return the cost of each iteration (computed before its update).

        Arguments:
        X -- training data of shape (n[0], m)
        Y -- labels of shape (n[L], m)
        learning_rate -- the step size (the initial one when decaying)
        iterations -- number of updates; with mini-batches one update per batch
        epochs -- alternatively, passes over the data (iterations = epochs * batches)
        batch_size -- mini-batch size; None for full batch.  Batches are reshuffled
                      every epoch from the model's rng (legacy np.random if None)
        optimizer -- "gd", "momentum", "adam" or an Optimizer instance; its
                     state is kept between calls when the same instance is given
        lambd -- L2 regularization strength
        keep_prob -- inverted dropout on the hidden layers (1.0 = none)
        decay -- None, "inverse_time", "scheduled" or a callable
                 (learning_rate0, epoch) -> learning_rate
        decay_rate, decay_interval -- parameters of the named decays
        print_every -- print "Cost after iteration i: J" every that many iterations
        progress -- show a progress bar; default: only when stderr is a terminal
        plot -- save the cost curve as a PNG to this path (needs matplotlib:
                pip install 'shapelint[plot]'; without it a warning is issued)

        Returns:
        costs -- list of floats, one per iteration (also appended to self.costs)
        """
        with shape_checks(self.check_shapes):
            X = self._prepare_X(X, "fit")
            m = X.shape[1]
            Y = self._prepare_Y(Y, m, "fit")
        self.optimizer = get_optimizer(optimizer)
        schedule = get_decay(decay, decay_rate, decay_interval)
        full_batch = batch_size is None or batch_size >= m
        n_batches = 1 if full_batch else -(-m // batch_size)
        if epochs is not None:
            iterations = epochs * n_batches
        batches = [(X, Y)]
        start = len(self.costs)
        costs: List[float] = []
        bar = _progress_bar(iterations, progress)
        try:
            for i in range(iterations):
                epoch, k = divmod(i, n_batches)
                if k == 0 and not full_batch:
                    batches = self._shuffled_batches(X, Y, batch_size)
                lr = learning_rate if schedule is None else schedule(learning_rate, epoch)
                X_batch, Y_batch = batches[k]
                cost = self.train_step(X_batch, Y_batch, lr, lambd, keep_prob, start + i)
                costs.append(cost)
                self.costs.append(cost)
                if print_every and i % print_every == 0:
                    print(f"Cost after iteration {i}: {cost:.6f}")
                if bar is not None:
                    bar.update(1, cost)
        finally:
            if bar is not None:
                bar.render_finish()
        if plot is not None:
            try:
                self.plot_costs(plot, learning_rate=learning_rate)
            except ImportError as error:
                warnings.warn(str(error), RuntimeWarning, stacklevel=2)
        return costs

    def _shuffled_batches(self, X: np.ndarray, Y: np.ndarray, batch_size: int):
        m = X.shape[1]
        rng = self.rng
        permutation = (rng.permutation(m) if rng is not None else np.random.permutation(m))
        # Gathering rows of X.T makes each batch a contiguous block of columns.
        shuffled_X = X.T[permutation].T
        shuffled_Y = Y.T[permutation].T
        return [(shuffled_X[:, k:k + batch_size], shuffled_Y[:, k:k + batch_size])
                for k in range(0, m, batch_size)]

    # -- prediction -----------------------------------------------------------------

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The output activations AL for X (n[0], m): shape (n[L], m)."""
        with shape_checks(self.check_shapes):
            X = self._prepare_X(X, "predict")
            AL, _ = model_forward(X, self.parameters, self.hidden, self.output,
                                  layer_dims=self.layer_dims)
        return AL

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels for X (n[0], m), shape (n[L], m).

        sigmoid: 1.0 where AL > 0.5 else 0.0; softmax: one-hot of the most probable
        class; tanh: AL > 0; linear: AL itself.
        """
        return labels_from_output(self.predict_proba(X), self.output)

    def score(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Accuracy on (X, Y) for classification outputs; R^2 for regression outputs.

        X -- data of shape (n[0], m);  Y -- labels of shape (n[L], m)
        For sigmoid the accuracy is the fraction of entries of Y predicted right
        (with n[L] = 1: of examples); for softmax, of columns whose argmax matches.
        """
        with shape_checks(self.check_shapes):
            X = self._prepare_X(X, "score")
            Y = self._prepare_Y(Y, X.shape[1], "score")
        AL = self.predict_proba(X)
        if self.output == "softmax":
            return float(np.mean(AL.argmax(axis=0) == Y.argmax(axis=0)))
        if self.output in ("sigmoid", "tanh"):
            return float(np.mean(labels_from_output(AL, self.output) == Y))
        residual = float(np.sum((Y - AL) ** 2))
        total = float(np.sum((Y - Y.mean(axis=1, keepdims=True)) ** 2))
        return 1.0 - residual / total if total else 0.0

    def gradient_check(self, X: np.ndarray, Y: np.ndarray, lambd: float = 0.0,
                       epsilon: float = 1e-7) -> GradCheckResult:
        """Gradient check of this network on (X, Y); see shapelint.nn.gradcheck."""
        with shape_checks(self.check_shapes):
            X = self._prepare_X(X, "gradient_check")
            Y = self._prepare_Y(Y, X.shape[1], "gradient_check")
            return gradient_check(self.parameters, X, Y, self.hidden, self.output, self.cost,
                                  lambd, epsilon)

    # -- persistence and plots --------------------------------------------------------

    def save(self, path: PathLike) -> None:
        """Write the configuration, parameters and cost history to an .npz file."""
        np.savez(
            path,
            layer_dims=np.array(self.layer_dims, dtype=np.int64),
            hidden=np.array(self.hidden),
            output=np.array(self.output),
            cost=np.array(self.cost),
            dtype=np.array(self.dtype.name),
            costs=np.array(self.costs, dtype=np.float64),
            **self.parameters,
        )

    @classmethod
    def load(cls, path: PathLike, check_shapes: bool = True) -> "Model":
        """Read a model written by save(); the parameters' shapes are checked."""
        with np.load(path, allow_pickle=False) as data:
            model = cls.__new__(cls)
            model._configure(data["layer_dims"].tolist(), str(data["hidden"]),
                             str(data["output"]), str(data["cost"]), str(data["dtype"]),
                             check_shapes, None)
            model.init = "loaded"
            model.parameters = {}
            for l in range(1, model.L + 1):
                for name in ("W", "b"):
                    key = f"{name}{l}"
                    if key not in data:
                        raise ShapeError(f"in load: {path} lacks {key} for layer_dims "
                                         f"{list(model.layer_dims)}")
                    model.parameters[key] = np.array(data[key], dtype=model.dtype)
            model.costs = data["costs"].tolist()
        check_parameters(model.parameters, model.layer_dims, "load")
        return model

    def plot_costs(self, path: PathLike, learning_rate: Optional[float] = None) -> None:
        """Save the cost history as a PNG (needs matplotlib: the 'plot' extra)."""
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError(
                "plotting the cost curve needs matplotlib: pip install 'shapelint[plot]'"
            ) from None
        figure = Figure(figsize=(6, 4), dpi=100)
        axes = figure.add_subplot()
        axes.plot(np.arange(len(self.costs)), self.costs)
        axes.set_xlabel("iteration")
        axes.set_ylabel("cost")
        title = f"{list(self.layer_dims)} {self.hidden}/{self.output}"
        if learning_rate is not None:
            title += f", learning rate {learning_rate:g}"
        axes.set_title(title)
        figure.tight_layout()
        figure.savefig(path, format="png")


class _ClickBar:
    """click's progress bar showing the latest cost, updated at most ~100 times."""

    def __init__(self, iterations: int):
        import click

        self._bar = click.progressbar(
            length=iterations, label="training", file=sys.stderr,
            item_show_func=lambda cost: "" if cost is None else f"cost {cost:.6f}",
            update_min_steps=max(1, iterations // 100),
        )
        self._bar.__enter__()

    def update(self, steps: int, cost: float) -> None:
        self._bar.update(steps, cost)

    def render_finish(self) -> None:
        self._bar.__exit__(None, None, None)


def _progress_bar(iterations: int, progress: Optional[bool]) -> Optional[_ClickBar]:
    show = progress if progress is not None else _stderr_is_tty()
    return _ClickBar(iterations) if show and iterations > 0 else None


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
