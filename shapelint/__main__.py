"""``python -m shapelint``: the ``shapelint`` command.

``run`` is dispatched here directly (to ``shapelint.runtime.run``) so that
``python -m shapelint run script.py`` works whatever the click CLI offers;
every other command goes to ``shapelint.cli:main``.
"""

import sys


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] == "run":
        from shapelint.runtime.run import run_command

        return run_command(args[1:])
    try:
        from shapelint.cli import main as cli_main
    except ModuleNotFoundError as exc:
        if exc.name != "shapelint.cli":
            raise
        sys.stderr.write("shapelint: only 'run' is available (shapelint.cli is missing)\n")
        return 2
    cli_main(args)  # a click group: exits with the command's status
    return 0


if __name__ == "__main__":
    sys.exit(main())
