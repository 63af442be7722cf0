"""`district report --db PATH --session CODE --out DIR` (a session of a District database) or
`district report --from DIR --out DIR` (an `export` or `simulate --out` folder): the debrief as a
page and its charts. Progress goes to stdout, a mistake is one line on stderr (exit 2)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _error(line: str) -> int:
    print(f"error: {line}", file=sys.stderr)
    return 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "report",
        help="the debrief of a session as a web page with charts (to project and hand out)",
        description="Write a self-contained report (index.html and its PNG charts) of a played "
        "session, from a District database (--db and --session) or from an export or "
        "`simulate --out` folder (--from).",
    )
    s.add_argument("--db", default=None, metavar="PATH", help="the server's SQLite file")
    s.add_argument("--session", default=None, metavar="CODE", help="the session's join code")
    s.add_argument("--from", dest="from_dir", default=None, metavar="DIR", help="an export folder")
    s.add_argument("--out", required=True, metavar="DIR", help="folder for the report")
    s.add_argument(
        "--private",
        action="store_true",
        help="the facilitator's copy: adds the timeline of who proposed, asked and said what",
    )
    s.add_argument(
        "--no-baseline", action="store_true", help="skip the bots-only game of the same seed"
    )
    s.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from district.server.report import matplotlib_missing

    if args.from_dir and (args.db or args.session):
        return _error("give either --from DIR or --db PATH --session CODE, not both")
    if not args.from_dir and not (args.db and args.session):
        return _error(
            "say which session: --db PATH --session CODE (a server's database) or --from DIR "
            "(an export or simulate --out folder)"
        )
    if args.db and not Path(args.db).is_file():
        return _error(f"--db {args.db}: no such file; give the server's database file")
    if args.from_dir and not Path(args.from_dir).is_dir():
        return _error(f"--from {args.from_dir}: no such folder; give an export folder")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _error(f"--out {out} is a file, not a folder: give a folder (it is made if missing)")
    why = matplotlib_missing()
    if why:
        return _error(why)

    from district.server.debrief import LogError, SessionLog, build_debrief
    from district.server.report import write_report

    t0 = time.perf_counter()

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - t0:5.1f} s] {line}", flush=True)

    try:
        if args.from_dir:
            say(f"reading {args.from_dir}")
            log = SessionLog.from_dir(args.from_dir)
        else:
            say(f"reading session {args.session} from {args.db}")
            log = SessionLog.from_store(args.db, args.session)
    except LogError as e:
        return _error(str(e))
    from district.server.simulate import out_problem

    why = out_problem(out)  # makes the folder: only once the session is found
    if why:
        return _error(why)
    say(
        "replaying the session"
        + ("" if args.no_baseline else " and playing it with bots alone (the baseline)")
    )
    d = build_debrief(log, baseline=not args.no_baseline, private=args.private)
    if not d.get("rounds") or len(d["rounds"]) < 2:
        return _error("the session has not played a round yet: there is nothing to report")
    index = write_report(d, out, private=args.private, baseline=not args.no_baseline, progress=say)
    say(f"wrote {index} ({'facilitator' if args.private else 'class'} copy)")
    return 0
