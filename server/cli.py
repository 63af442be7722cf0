"""The `district` command.

district simulate --scenario NAME|PATH --seed N [--rounds R] [--out DIR]
district export --db PATH --session CODE --out DIR
district scenarios list | show NAME | validate PATH...
district serve [--host H] [--port P] [--db PATH] [--report-port N|off]
               [--store postgresql://... --name N --advertise URL] | --drain NAME --store URL
district bots --server URL --code CODE --seats N
district play [--server URL] [--code CODE] [--name NAME]
district demo [--scenario NAME]
district bench [--quick] [--json PATH]
district calibrate [--seeds N] [--quick] [--write docs/calibration.md]
district branch --db PATH --session CODE --round R
district report (--db PATH --session CODE | --from DIR) --out DIR [--private] [--no-baseline]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from district.server.engine.errors import ScenarioError


def _error(line: str) -> int:
    """A command-line mistake: one line on stderr saying what to do; exit code 2."""
    print(f"error: {line}", file=sys.stderr)
    return 2


def _seed_problem(seed: int) -> str | None:
    return None if seed >= 0 else f"--seed {seed}: give a whole number 0 or more, e.g. --seed 1"


def _simulate(args: argparse.Namespace) -> int:
    from district.server.engine import find_scenario
    from district.server.simulate import out_problem, simulate

    why = _seed_problem(args.seed)
    if why:
        return _error(why)
    sc = find_scenario(args.scenario)
    if args.rounds is not None and not 1 <= args.rounds <= sc.rounds:
        return _error(
            f"--rounds {args.rounds}: {sc.name} has {sc.rounds} rounds; give 1 to {sc.rounds} "
            "(or leave --rounds out to play them all)"
        )
    out = Path(args.out) if args.out else None
    if out is not None:
        why = out_problem(out)
        if why:
            return _error(why)
    simulate(sc, args.seed, args.rounds, out)
    return 0


def _export(args: argparse.Namespace) -> int:
    from district.server.debrief import LogError, SessionLog
    from district.server.debrief.export import write_export
    from district.server.simulate import out_problem

    try:
        log = SessionLog.from_store(Path(args.db), args.session)
    except LogError as e:
        return _error(f"--db {args.db} --session {args.session}: {e}")
    out = Path(args.out)
    why = out_problem(out)
    if why:
        return _error(why)
    try:
        write_export(log, out)
    except LogError as e:
        return _error(f"session {args.session}: {e}")
    except OSError as e:
        return _error(f"cannot write to --out {out} ({e.strerror or e})")
    print(
        f"wrote {', '.join(f'{out}/{n}' for n in ('events.csv', 'deals.csv', 'indicators.csv'))}, "
        "chat.csv, flows.csv, session.json, dictionary.csv (docs/export.md)"
    )
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from district.server import scenarios_cli

    return scenarios_cli.main(args)


def _serve(args: argparse.Namespace) -> int:
    from district.server import serve

    return serve.serve_main(args)


def _bots(args: argparse.Namespace) -> int:
    from district.server import botclient

    return botclient.main(args)


CLIENT_MISSING = (
    "error: the game window needs District's client extra (pygame-ce and pygame_gui), which is not "
    "installed.\n  Add it with:  pip install 'district[client]'   (from a clone: pip install -e '.[client]')"
)


def _client_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("pygame", "pygame_gui"))


def _play(args: argparse.Namespace) -> int:
    if not _client_installed():
        print(CLIENT_MISSING, file=sys.stderr)
        return 2
    from district.client import app

    return app.play_main(args)


def _workshop(args: argparse.Namespace) -> int:
    if not _client_installed():
        print(CLIENT_MISSING, file=sys.stderr)
        return 2
    if not args.server.startswith(("ws://", "wss://")):
        return _error(f"--server {args.server}: a server address starts with ws:// or wss://")
    from district.client import app

    return app.workshop_main(args)


def _demo(args: argparse.Namespace) -> int:
    """A local server with bots in every other seat (district.server.demo), and the game window
    joined to it (district.client.demo): the one place that puts the two together."""
    from district.server import demo

    why = _seed_problem(args.seed)
    if why:
        return _error(why)
    if args.headless:  # a bots-only game in the terminal needs no window
        return demo.terminal_game(args.scenario, args.seed)
    if not _client_installed():
        print(CLIENT_MISSING, file=sys.stderr)
        return 2
    from district.client import app
    from district.client import demo as window

    why = app.no_display_reason()
    if why:
        print(
            f"District demo: {why}, so no window can open. Playing a bots-only game in the terminal "
            "instead.\n"
        )
        return demo.terminal_game(args.scenario, args.seed)
    print(f"Starting a local server and a {args.scenario} game (seed {args.seed})…")
    server, url, code, token = demo.start_local_game(args.scenario, args.role, args.seed)
    print(
        f"Server {url}, join code {code} (others on this machine can join with `district play "
        f"--server {url} --code {code}`)."
    )
    try:
        return window.window_game(url, code, token, args.role, start=demo.starter(url, token))
    finally:
        server.stop()


def _calibrate(args: argparse.Namespace) -> int:
    from district.server import calibrate

    if not 1 <= args.seeds <= 50:
        return _error(f"--seeds {args.seeds}: give a whole number from 1 to 50, e.g. --seeds 5")
    if args.write and not Path(args.write).is_file():
        return _error(f"--write {args.write}: no such file; give the calibration document's path")
    print(calibrate.main(args.seeds, args.quick, args.write))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from district.benchmarks import suite

    if args.json is not None:
        why = suite.json_problem(Path(args.json))
        if why:
            return _error(why)
    return suite.main(
        ["--quick"] * args.quick
        + ["--json", args.json] * (args.json is not None)
        + ["--store", args.store] * (args.store is not None)
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="district", description="District: a serious game of industrial districts."
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="play a bots-only game and print it round by round")
    s.add_argument(
        "--scenario", default="emilia-romagna", help="scenario name or path to a .toml file"
    )
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--rounds", type=int, default=None)
    s.add_argument("--out", default=None, help="directory for CSV and JSON outputs")
    s.set_defaults(func=_simulate)

    s = sub.add_parser("export", help="write a stored session's research files (docs/export.md)")
    s.add_argument("--db", required=True, help="the server's SQLite file")
    s.add_argument("--session", required=True, help="the session's join code (or its id)")
    s.add_argument("--out", required=True, help="folder to write into (created if missing)")
    s.set_defaults(func=_export)

    s = sub.add_parser("scenarios", help="list, show or validate scenarios")
    ss = s.add_subparsers(dest="action", required=True)
    ss.add_parser("list", help="one line per scenario")
    sh = ss.add_parser("show", help="the teacher's page of a scenario")
    sh.add_argument("name")
    sv = ss.add_parser("validate", help="check scenario files; every problem with its place")
    sv.add_argument("paths", nargs="+")
    s.set_defaults(func=_scenarios)

    s = sub.add_parser("serve", help="run the game server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--db", default=None, help="SQLite file (default: in your data directory)")
    s.add_argument(
        "--scenarios",
        action="append",
        default=[],
        metavar="DIR",
        help="another directory of scenario files (may be repeated)",
    )
    s.add_argument(
        "--create-key",
        default=None,
        help="only clients that give this key may create sessions (beyond this computer, a "
        "server without one makes its own and prints it)",
    )
    s.add_argument("--cert", default=None, metavar="FILE", help="TLS certificate (PEM): wss://")
    s.add_argument("--key", default=None, metavar="FILE", help="TLS private key (PEM)")
    s.add_argument(
        "--durable", action="store_true", help="fsync every commit (survives a power cut)"
    )
    s.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    s.add_argument(
        "--report-port",
        default=None,
        metavar="N|off",
        help="serve the sessions' reports over HTTP on this port (default: 8766 when --port is "
        "8765, else off); see docs/facilitator.md",
    )
    s.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="a store several server processes share (postgresql://user@host:port/database) "
        "instead of the SQLite file; default: $DISTRICT_STORE if set",
    )
    s.add_argument(
        "--name",
        default=None,
        help="with --store: this process's name among the store's servers (default: host-port-pid)",
    )
    s.add_argument(
        "--advertise",
        default=None,
        metavar="URL",
        help="with --store: the address clients reach this process at (ws://host:port; needed "
        "when listening beyond this computer)",
    )
    s.add_argument(
        "--drain",
        default=None,
        metavar="NAME",
        help="with --store: ask the server process NAME to hand its sessions over to the "
        "others and exit, and wait until it has",
    )
    s.set_defaults(func=_serve)

    s = sub.add_parser("bots", help="fill seats of a session with bots over the network")
    s.add_argument("--server", default="ws://127.0.0.1:8765")
    s.add_argument("--code", required=True)
    s.add_argument("--seats", type=int, default=1)
    s.add_argument("--seed", type=int, default=None, help="the bots' seed (default: from the code)")
    s.add_argument(
        "--role",
        default=None,
        choices=["firm", "union", "government", "broker"],
        help="take seats of this role only",
    )
    s.add_argument("--think", type=float, default=0.0, help="seconds each bot waits before it acts")
    s.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the server to answer (default 10)",
    )
    s.set_defaults(func=_bots)

    s = sub.add_parser("play", help="open the game window and join a session")
    s.add_argument("--server", default=None)
    s.add_argument("--code", default=None)
    s.add_argument("--name", default=None)
    s.add_argument(
        "--create-key", default=None, help="the server's creation key (to create sessions)"
    )
    s.add_argument(
        "--ca",
        default=None,
        metavar="FILE",
        help="trust this CA certificate (PEM) for a wss:// server with a self-signed certificate",
    )
    s.set_defaults(func=_play)

    s = sub.add_parser(
        "workshop", help="open the workshop console: every session of a workshop, on any server"
    )
    s.add_argument("--server", required=True, help="a server of the workshop (ws://HOST:PORT)")
    s.add_argument("--name", required=True, help="the workshop's name")
    s.add_argument("--key", required=True, help="the workshop's key")
    s.add_argument(
        "--ca",
        default=None,
        metavar="FILE",
        help="trust this CA certificate (PEM) for a wss:// server with a self-signed certificate",
    )
    s.set_defaults(func=_workshop)

    s = sub.add_parser("demo", help="a local game: server, your window, bots in the other seats")
    s.add_argument("--scenario", default="emilia-romagna")
    s.add_argument(
        "--role", default="firm", choices=["firm", "union", "government", "broker", "facilitator"]
    )
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--headless", action="store_true", help="play a bots-only game in the terminal")
    s.set_defaults(func=_demo)

    s = sub.add_parser(
        "bench",
        help="measure the engine, the server under load (beside echo servers), the client",
    )
    s.add_argument("--quick", action="store_true", help="a small smoke run (~30 s), no targets")
    s.add_argument("--json", default=None, metavar="PATH", help="also write the figures as JSON")
    s.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="an empty PostgreSQL database (postgresql://...): also measure 3 server processes "
        "on it against 1 (the cluster section)",
    )
    s.set_defaults(func=_bench)

    s = sub.add_parser(
        "calibrate",
        help="every scenario over several seeds: source figures beside measured ones and beside "
        "a counterfactual without the scenario's central mechanism",
    )
    s.add_argument("--seeds", type=int, default=5, help="seeds per scenario (default 5)")
    s.add_argument("--quick", action="store_true", help="one seed, three rounds (for tests)")
    s.add_argument("--write", help="put the table into this document (docs/calibration.md)")
    s.set_defaults(func=_calibrate)

    s = sub.add_parser(
        "branch",
        help="a new session from the start of a round of a finished one (server stopped)",
    )
    s.add_argument("--db", required=True, help="the server's database file")
    s.add_argument("--session", required=True, metavar="CODE", help="the session's join code")
    s.add_argument("--round", required=True, type=int, help="the round the new session starts at")
    s.set_defaults(func=_branch)
    from district.server.report import command as report_command

    report_command.add_parser(sub)
    return p


def _branch(args: argparse.Namespace) -> int:
    import asyncio

    from district.server.session.branch import BranchRefused, branch_stored
    from district.server.store import StoreError

    db = Path(args.db)
    if not db.is_file():
        return _error(f"--db {db}: no such file (the server's database, e.g. district.sqlite3)")
    try:
        made = asyncio.run(branch_stored(db, args.session, args.round))
    except BranchRefused as e:
        return _error(f"cannot branch session {args.session}: {e.message}")
    except StoreError as e:
        return _error(f"--db {db}: {e}")
    print(f"branched session {args.session} at the start of round {made['round']}")
    print(f"join code: {made['code']}")
    print(f"facilitator token: {made['token']}")
    print(f"state hash at the start of round {made['round']}: {made['hash']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as e:
        if len(e.problems) == 1:  # one problem, one line
            return _error(f"scenario {e.source}: {e.problems[0]}")
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
