"""An editor's unsaved buffer stands in for its file when another file imports it (shapelint server)."""

from shapelint.analysis import modules
from shapelint.runner import lint_bytes

HELPER = "import numpy as np\n\n\ndef make():\n    return np.ones((3, 4))\n"
MAIN = "import numpy as np\nfrom helper import make\n\nA = make()\nB = np.ones((4, 2))\nC = A @ B\n"


def codes(main):
    return [d.code for d in lint_bytes(MAIN.encode(), str(main)).diagnostics]


def test_an_imported_module_is_read_from_the_overlay_while_it_is_set(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    helper, main = tmp_path / "helper.py", tmp_path / "main.py"
    helper.write_text(HELPER)
    main.write_text(MAIN)
    try:
        assert codes(main) == []
        modules.set_overlay({str(helper): HELPER.replace("(3, 4)", "(3, 5)")})
        assert codes(main) == ["SL102"]
        modules.set_overlay({str(helper): HELPER})  # the same text as the disk: the same findings
        assert codes(main) == []
    finally:
        modules.set_overlay({})
    helper.write_text(HELPER.replace("(3, 4)", "(3, 6)"))
    assert codes(main) == ["SL102"]  # the disk again
