#!/usr/bin/env python3
"""Train the course's 4-layer cat classifier with shapelint.nn, checking every shape.

    python examples/train_catvnoncat.py [--iterations 2500] [--plot costs.png]

The data is read from shared/datasets/catvnoncat/catvnoncat.npz beside the
repository (or --data).  Add --transpose-bug to see what a transposed X does.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from shapelint import ShapeError  # noqa: E402
from shapelint.nn import Model  # noqa: E402


def load(path: Path):
    with np.load(path, allow_pickle=False) as data:
        train_x, train_y = data["train_x"], data["train_y"]
        test_x, test_y = data["test_x"], data["test_y"]
    # (m, 64, 64, 3) uint8 -> (12288, m) in [0, 1]: one example per column.
    X_train = train_x.reshape(train_x.shape[0], -1).T / 255.0
    X_test = test_x.reshape(test_x.shape[0], -1).T / 255.0
    return X_train, train_y.reshape(1, -1), X_test, test_y.reshape(1, -1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "datasets"
                        / "catvnoncat" / "catvnoncat.npz")
    parser.add_argument("--iterations", type=int, default=2500)
    parser.add_argument("--plot", type=Path, help="save the cost curve as a PNG")
    parser.add_argument("--transpose-bug", action="store_true",
                        help="pass X.T by mistake and show the error")
    args = parser.parse_args()
    X_train, Y_train, X_test, Y_test = load(args.data)

    model = Model([12288, 20, 7, 5, 1], hidden="relu", output="sigmoid", init="scaled", seed=1)
    if args.transpose_bug:
        try:
            model.fit(X_train.T, Y_train, iterations=1)
        except ShapeError as error:
            print(f"ShapeError: {error}")
            return 1
    model.fit(X_train, Y_train, learning_rate=0.0075, iterations=args.iterations,
              print_every=100, plot=args.plot)
    print(f"train accuracy {model.score(X_train, Y_train):.4f}")
    print(f"test accuracy  {model.score(X_test, Y_test):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
