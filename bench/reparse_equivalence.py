"""Does re-parsing from pieces (``shapelint.source.reparse``) give libcst's own tree, and what does it cost?

    python bench/reparse_equivalence.py FOLDER [FOLDER ...]

For every ``.py`` file under the folders that libcst parses: ``Reparser().parse(text)``
must deep-equal ``libcst.parse_module(text)`` and print the same code; then one blank
line is inserted in the middle of the file and the edited text, parsed with the same
Reparser (its other pieces come from the cache), must equal the whole-text parse of
the edited text too.  Prints the files that differ (there should be none), how many
were left to the whole-text parse (``parse`` returned None: empty files, cuts that
fall inside strings more often than it joins, mixed line endings), and the CPU time
of the three parses: whole text (measure + parse, as ``analyze_source`` does), pieces
(cold: each piece measured and parsed), and the edited text from the kept pieces.

    python bench/reparse_equivalence.py --long FOLDER [FOLDER ...]

The same for ``parse_long_text``, which parses every text longer than two ``PIECE_CHARS``
in pieces of about that size (to hold libcst's peak memory down), for the files that long:
its tree must be libcst's own, or None (then the text is parsed whole).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import libcst as cst

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shapelint.source.precheck import measure  # noqa: E402
from shapelint.source.reparse import PIECE_CHARS, Reparser, parse_long_text  # noqa: E402


def edited_in_the_middle(text: str) -> str:
    lines = text.splitlines(keepends=True)
    k = len(lines) // 2
    return "".join(lines[:k]) + "\n" + "".join(lines[k:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--long", action="store_true",
                        help=f"check parse_long_text on the files longer than {2 * PIECE_CHARS:,} characters")
    args = parser.parse_args()
    files = sorted({p for folder in args.folders for p in folder.rglob("*.py")})
    if args.long:
        files = [p for p in files if p.stat().st_size > 2 * PIECE_CHARS]
    same = differ = whole = unparsable = 0
    t_whole = t_pieces = t_edit = 0.0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            started = time.process_time()
            if measure(text).excess is not None:
                unparsable += 1
                continue
            expected = cst.parse_module(text)
            t_whole += time.process_time() - started
        except Exception:
            unparsable += 1
            continue
        reparser = Reparser()
        started = time.process_time()
        joined = parse_long_text(text) if args.long else reparser.parse(text)
        t_pieces += time.process_time() - started
        if joined is None:
            whole += 1
            continue
        ok = joined.code == text and joined.deep_equals(expected)
        if args.long:
            same += ok
            differ += not ok
            if not ok:
                print(f"DIFFERS: {path}", flush=True)
            continue
        edited = edited_in_the_middle(text)
        try:
            expected_edit = cst.parse_module(edited)
        except Exception:
            expected_edit = None
        if ok and expected_edit is not None:
            started = time.process_time()
            joined_edit = reparser.parse(edited)
            t_edit += time.process_time() - started
            ok = joined_edit is None or (joined_edit.code == edited and joined_edit.deep_equals(expected_edit))
        if ok:
            same += 1
        else:
            differ += 1
            print(f"DIFFERS: {path}", flush=True)
    print(f"{len(files)} files: {same} give libcst's tree{'' if args.long else ' (and so does an edit in their middle)'}, {differ} differ, "
          f"{whole} left to the whole-text parse, {unparsable} not parsed by libcst (or too deep)")
    print(f"CPU: whole text (measure + parse) {t_whole:.1f} s; pieces, cold {t_pieces:.1f} s"
          + ("" if args.long else f"; the edited texts from the kept pieces {t_edit:.1f} s"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
