"""pytest plugin: ``pytest --shapelint-runtime`` checks stated shape contracts.

With the option, every function and method defined in the project (files
under pytest's rootdir, outside ``site-packages``) and in packages named with
``--shapelint-package`` is checked on each call against the shapes its
docstring or annotations state.  A violation fails the test with
``shapelint.ShapeError``; ``--shapelint-runtime-mode=warn`` turns violations
into warnings (shown in pytest's warnings summary) instead.

Without the option this plugin only registers its options and installs
nothing.  Importing it loads just the small ``shapelint`` / ``shapelint.runtime``
package (no numpy, no libcst); the import hook is imported only when the
option is on.
"""

import pytest

_FINDER = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("shapelint", "shapelint runtime shape contracts")
    group.addoption(
        "--shapelint-runtime", action="store_true", default=False,
        help="check the shape contracts stated in docstrings and annotations on every call",
    )
    group.addoption(
        "--shapelint-runtime-mode", choices=("raise", "warn"), default="raise",
        help="raise shapelint.ShapeError on a violation (default) or warn and go on",
    )
    group.addoption(
        "--shapelint-package", action="append", default=[], metavar="NAME",
        help="also check this importable package (repeatable); the project's own "
             "files under rootdir are always checked",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # As early as possible: before conftest.py files import the project, so
    # that references they take are to checked functions.
    options = early_config.known_args_namespace
    if not getattr(options, "shapelint_runtime", False):
        return
    from shapelint.runtime import contracts, importhook

    saved = (contracts.STATE.enabled, contracts.STATE.mode)
    contracts.enable(options.shapelint_runtime_mode)
    contracts.clear_violations()
    finder = importhook.install(
        packages=options.shapelint_package, roots=[str(early_config.rootpath)]
    )
    early_config.stash[_FINDER] = (finder, saved)


def pytest_report_header(config):
    active = config.stash.get(_FINDER, None)
    if active is None:
        return None
    finder = active[0]
    where = ", ".join(list(finder.roots) + list(finder.packages))
    mode = config.getoption("shapelint_runtime_mode")
    return f"shapelint runtime: checking shape contracts in {where} ({mode})"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.stash.get(_FINDER, None) is None:
        return
    from shapelint.runtime import contracts

    count = contracts.violation_count()
    if count and config.getoption("shapelint_runtime_mode") == "warn":
        terminalreporter.write_line(
            f"shapelint: {count} shape contract violation{'s' if count != 1 else ''} "
            "(see the warnings summary)", yellow=True,
        )


def pytest_unconfigure(config):
    active = config.stash.get(_FINDER, None)
    if active is None:
        return
    from shapelint.runtime import contracts, importhook

    finder, (enabled, mode) = active
    importhook.uninstall(finder)
    contracts.STATE.enabled, contracts.STATE.mode = enabled, mode
    del config.stash[_FINDER]
