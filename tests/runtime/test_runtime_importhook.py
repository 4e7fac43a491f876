"""The import hook: contracts of a package checked without decorators."""

import importlib
import inspect
import sys
import textwrap

import numpy as np
import pytest

from shapelint.errors import ShapeError
from shapelint.runtime import contracts, importhook
from shapelint.runtime.contracts import CONTRACT_ATTR

MODEL = '''
import numpy as np


def predict(X, w):
    """
    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_features,)

    Returns
    -------
    y : ndarray of shape (n_samples,)
    """
    return X @ w


def early(x):
    """
    Args:
        x: input of shape (n, 2)
    """
    return x
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A package ``shapes_proj`` (with a submodule) and a module outside it, importable."""
    pkg = tmp_path / "proj" / "shapes_proj"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text(MODEL)
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "shapes_other.py").write_text(MODEL)
    monkeypatch.syspath_prepend(str(tmp_path / "proj"))
    monkeypatch.syspath_prepend(str(other))
    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith(("shapes_proj", "shapes_other"))]:
        del sys.modules[name]
    contracts.STATE.enabled, contracts.STATE.mode = saved
    importlib.invalidate_caches()


def test_modules_under_a_root_are_instrumented(project):
    with importhook.checking(roots=[str(project / "proj")]):
        from shapes_proj import model
        import shapes_other
    assert hasattr(model.predict, CONTRACT_ATTR)
    assert not hasattr(shapes_other.predict, CONTRACT_ATTR)
    contracts.enable()
    assert model.predict(np.ones((4, 3)), np.ones(3)).shape == (4,)
    with pytest.raises(ShapeError, match=r"predict\(\): argument 'w' has shape \(4,\).*n_features was bound to 3"):
        model.predict(np.ones((4, 3)), np.ones(4))


def test_modules_of_a_named_package_are_instrumented(project):
    with importhook.checking(packages=["shapes_other"]):
        import shapes_other
        from shapes_proj import model
    assert hasattr(shapes_other.predict, CONTRACT_ATTR)
    assert not hasattr(model.predict, CONTRACT_ATTR)


def test_real_loader_is_restored_and_source_is_readable(project):
    with importhook.checking(roots=[str(project / "proj")]):
        from shapes_proj import model
    assert type(model.__spec__.loader).__name__ == "SourceFileLoader"
    assert model.__loader__ is model.__spec__.loader
    assert "def predict" in inspect.getsource(model)
    assert "n_samples" in inspect.getsource(model.predict)  # through __wrapped__


def test_already_imported_modules_are_instrumented_on_install(project):
    import shapes_other

    assert not hasattr(shapes_other.predict, CONTRACT_ATTR)
    with importhook.checking(packages=["shapes_other"]):
        assert hasattr(shapes_other.predict, CONTRACT_ATTR)


def test_finder_is_removed_and_state_restored(project):
    contracts.disable()
    with importhook.checking(roots=[str(project)], mode="warn") as finder:
        assert sys.meta_path[0] is finder
        assert contracts.is_enabled() and contracts.get_mode() == "warn"
    assert finder not in sys.meta_path
    assert not contracts.is_enabled() and contracts.get_mode() == "raise"


def test_never_instruments_shapelint_or_third_party_code(project):
    finder = importhook.ContractFinder(packages=["shapelint", "numpy"], roots=[str(project)])
    assert not finder.wants_name("shapelint.runtime.contracts")
    assert finder.wants_name("numpy.linalg")
    assert not finder.wants_path(str(project / "venv" / "lib" / "site-packages" / "x.py"))
    assert finder.wants_path(str(project / "proj" / "shapes_proj" / "model.py"))
    assert not finder.wants_path(str(project / "proj" / "ext.so"))


def test_relative_package_layout_and_submodule_imports(project):
    sub = project / "proj" / "shapes_proj" / "layers"
    sub.mkdir()
    (sub / "__init__.py").write_text("from .dense import dense\n")
    (sub / "dense.py").write_text(textwrap.dedent('''
        def dense(x, w):
            """
            Arguments:
            x -- input of shape (n_in, m)
            w -- weights of shape (n_out, n_in)
            """
            return w @ x
    '''))
    with importhook.checking(roots=[str(project / "proj")]):
        from shapes_proj.layers import dense
        with pytest.raises(ShapeError, match=r"dense\(\): argument 'w'"):
            dense(np.ones((3, 2)), np.ones((2, 2)))
