"""Shapes read from a project's data files (headers only; neither scipy nor h5py is needed).

The fixtures were written by scipy.io.savemat and h5py (see fixtures/datafiles/README.md); the
expected shapes are what scipy.io.loadmat and h5py return for them.
"""

import shutil
import textwrap
from pathlib import Path

from shapelint.analysis import analyze_source
from shapelint.analysis.datafiles import h5_shapes, mat_shapes

DATA = Path(__file__).resolve().parent.parent.parent / "fixtures" / "datafiles"
NUMERIC = {"X": (3, 4), "counts": (1, 5), "cube": (2, 3, 4), "empty": (0, 3), "flags": (1, 2), "scalar": (1, 1)}


def test_mat_headers_give_what_loadmat_returns_for_numeric_arrays():
    # char, cell and struct variables ("label", "cells", "record") are left out
    assert mat_shapes(str(DATA / "plain.mat")) == NUMERIC
    assert mat_shapes(str(DATA / "compressed.mat")) == NUMERIC


def test_files_that_are_not_matlab_5_are_not_read(tmp_path):
    assert mat_shapes(str(DATA / "version4.mat")) is None
    assert mat_shapes(str(tmp_path / "absent.mat")) is None
    (tmp_path / "text.mat").write_text("MATLAB? no, prose")
    assert mat_shapes(str(tmp_path / "text.mat")) is None


def test_a_truncated_or_corrupt_file_never_raises(tmp_path):
    data = (DATA / "compressed.mat").read_bytes()
    for cut in range(0, len(data), 7):
        (tmp_path / "cut.mat").write_bytes(data[:cut])
        got = mat_shapes(str(tmp_path / "cut.mat"))
        assert got is None or set(got.items()) <= set(NUMERIC.items())
    flipped = bytearray(data)
    for i in range(128, len(flipped), 11):
        flipped[i] ^= 0xFF
    (tmp_path / "flipped.mat").write_bytes(bytes(flipped))
    mat_shapes(str(tmp_path / "flipped.mat"))


def _project(tmp_path: Path, code: str) -> Path:
    (tmp_path / "datasets").mkdir()
    shutil.copy(DATA / "compressed.mat", tmp_path / "datasets" / "data.mat")
    (tmp_path / "reg_utils.py").write_text(textwrap.dedent('''
        import scipy.io
        def load_2D_dataset():
            data = scipy.io.loadmat('datasets/data.mat')
            train_X = data['X'].T
            train_Y = data['counts']
            return train_X, train_Y
    '''))
    script = tmp_path / "homework.py"
    script.write_text(textwrap.dedent(code))
    return script


def test_loadmat_in_a_helper_gives_the_notebook_its_data(tmp_path):
    script = _project(tmp_path, '''
        import numpy as np
        import scipy.io as sio
        from reg_utils import load_2D_dataset
        train_X, train_Y = load_2D_dataset()
        W1 = np.random.randn(20, 4)
        Z1 = np.dot(W1, train_X)
        bad = np.dot(W1, train_X.T)
        squeezed = sio.loadmat("datasets/data", squeeze_me=True)["counts"]
        unknown = sio.loadmat("datasets/other.mat")["X"]
    ''')
    result = analyze_source(script.read_text(), str(script), collect_shapes=True)
    got = {r.name: r.shape for r in result.shapes}
    assert got["train_X"] == [4, 3] and got["train_Y"] == [1, 5] and got["Z1"] == [20, 3]
    assert got["squeezed"] == [5] and got["unknown"] is None
    assert [(d.line, d.code) for d in result.diagnostics] == [(8, "SL102")]
    # the result depends on the data file: a cached result is invalid when it changes
    assert str(tmp_path / "datasets" / "data.mat") in result.dependencies


def test_hdf5_root_datasets_and_their_shapes():
    # the subgroup "group" is not a dataset
    assert h5_shapes(str(DATA / "course.h5")) == {
        "train_set_x": (4, 3, 2, 3), "train_set_y": (4,), "list_classes": (2,), "scalar": ()}
    assert h5_shapes(str(DATA / "many.h5")) == {f"d{i:02d}": (i + 1, 2) for i in range(40)}
    assert h5_shapes(str(DATA / "latest.h5")) is None  # libver="latest": newer layouts are not read
    assert h5_shapes(str(DATA / "plain.mat")) is None


def test_a_truncated_or_corrupt_hdf5_file_never_raises(tmp_path):
    data = (DATA / "course.h5").read_bytes()
    for cut in range(0, len(data), 97):
        (tmp_path / "cut.h5").write_bytes(data[:cut])
        got = h5_shapes(str(tmp_path / "cut.h5"))
        assert got is None or set(got) <= {"train_set_x", "train_set_y", "list_classes", "scalar"}
    for step in (13, 31, 101):
        flipped = bytearray(data)
        for i in range(8, len(flipped), step):
            flipped[i] ^= 0xFF
        (tmp_path / "flipped.h5").write_bytes(bytes(flipped))
        h5_shapes(str(tmp_path / "flipped.h5"))


def test_h5py_file_gives_the_course_its_images(tmp_path):
    (tmp_path / "datasets").mkdir()
    shutil.copy(DATA / "course.h5", tmp_path / "datasets" / "train_catvnoncat.h5")
    script = tmp_path / "lr_utils.py"
    script.write_text(textwrap.dedent('''
        import numpy as np
        import h5py
        def load_dataset():
            train_dataset = h5py.File('datasets/train_catvnoncat.h5', "r")
            train_set_x_orig = np.array(train_dataset["train_set_x"][:])
            train_set_y_orig = np.array(train_dataset["train_set_y"][:])
            train_set_y_orig = train_set_y_orig.reshape((1, train_set_y_orig.shape[0]))
            return train_set_x_orig, train_set_y_orig
        X, Y = load_dataset()
        X_flat = X.reshape(X.shape[0], -1).T
        with h5py.File("datasets/train_catvnoncat.h5", "r") as f:
            classes = f["list_classes"][:]
        w = np.zeros((X_flat.shape[0], 1))
        Z = np.dot(w.T, X_flat) + Y
        bad = np.dot(w, X_flat)
    '''))
    result = analyze_source(script.read_text(), str(script), collect_shapes=True)
    got = {r.name: r.shape for r in result.shapes if r.signature is None}
    assert got["X"] == [4, 3, 2, 3] and got["Y"] == [1, 4] and got["X_flat"] == [18, 4]
    assert got["classes"] == [2] and got["Z"] == [1, 4]
    assert [(d.line, d.code) for d in result.diagnostics] == [(16, "SL102")]
    assert str(tmp_path / "datasets" / "train_catvnoncat.h5") in result.dependencies


def test_np_load_reads_npy_and_npz_headers(tmp_path):
    import numpy as np

    np.save(tmp_path / "weights.npy", np.zeros((3, 4)))
    np.savez_compressed(tmp_path / "data.npz", train_x=np.zeros((5, 2, 2)), train_y=np.arange(5),
                        junk=np.array([None], dtype=object))
    (tmp_path / "broken.npz").write_bytes(b"PK not really")
    script = tmp_path / "nb.py"
    script.write_text(textwrap.dedent('''
        import numpy as np
        W = np.load("weights.npy")
        with np.load("data.npz") as d:
            X = d["train_x"].reshape(5, -1).T
            y = d["train_y"]
            junk = d["junk"]
        broken = np.load("broken.npz")["x"]
        Z = np.dot(W, X)
    '''))
    result = analyze_source(script.read_text(), str(script), collect_shapes=True)
    got = {r.name: r.shape for r in result.shapes if r.signature is None}
    assert got["W"] == [3, 4] and got["X"] == [4, 5] and got["y"] == [5]
    assert got["junk"] is None and got["broken"] is None and got["Z"] == [3, 5]
    assert result.diagnostics == []
