"""The memo of size comparisons is emptied between checks once it is large (dims.forget_comparisons)."""

import pytest

from shapelint.algebra import dims


def _compare_fresh_pairs(n: int) -> None:
    for _ in range(n):
        dims.compare_dims(dims.fresh("a"), dims.fresh("b"))


@pytest.mark.parametrize("pairs, kept", [(11, 0), (5, 5)], ids=["past the limit: forgotten", "within it: kept"])
def test_comparisons_are_forgotten_past_the_limit_only(monkeypatch, pairs, kept):
    monkeypatch.setattr(dims, "REMEMBERED_COMPARISONS", 10)
    dims._compare_symbolic.cache_clear()
    _compare_fresh_pairs(pairs)
    dims.forget_comparisons()
    assert dims._compare_symbolic.cache_info().currsize == kept


def test_a_checked_file_leaves_no_more_than_the_limit(tmp_path, monkeypatch):
    from shapelint.rules import default_codes
    from shapelint.runner import RunOptions, Task, check_task

    monkeypatch.setattr(dims, "REMEMBERED_COMPARISONS", 0)
    path = tmp_path / "f.py"
    path.write_text("import numpy as np\n\ndef f(A, W):\n    return np.dot(W, A) + np.dot(A.T, W.T).T\n")
    check_task(Task(str(path), "f.py", "f.py", frozenset(default_codes())), RunOptions())
    assert dims._compare_symbolic.cache_info().currsize == 0
