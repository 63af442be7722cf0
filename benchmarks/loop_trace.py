"""`district serve` with a trace of what stalls its event loop (a diagnostic, not a test):

    python -m district.benchmarks.loop_trace --log trace.txt [--slow-ms 30] -- serve --port ...

Every event-loop callback that takes more than --slow-ms of wall time or a third of it in CPU
time is logged with what it was (a task's name and coroutine, or the callback), its wall and CPU
time (`time.thread_time`); every garbage-collector pass of the oldest generation, and any other
pass over a quarter of --slow-ms, with its wall and CPU time and what it collected. Wall time far
above CPU time is the process waiting for a core (another process's doing), not the server's.
docs/performance.md (branch `perf2`) says what it found. The wrapping costs a few percent of CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from typing import Any, TextIO


def install(out: TextIO, slow: float) -> None:
    """Wrap asyncio's callback runner and hook the collector; lines go to `out`."""
    run = asyncio.events.Handle._run

    def traced(self: asyncio.Handle) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        run(self)
        wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
        if wall > slow or cpu > slow / 3:
            cb: Any = getattr(self, "_callback", None)
            what = repr(cb)[:160]
            owner = getattr(cb, "__self__", None)
            if isinstance(owner, asyncio.Task):
                what = f"task {owner.get_name()} {owner.get_coro().__qualname__}"  # type: ignore[union-attr]
            out.write(
                f"{time.time():.3f} callback wall {wall * 1e3:.1f} ms cpu {cpu * 1e3:.1f} ms {what}\n"
            )
            out.flush()

    asyncio.events.Handle._run = traced  # type: ignore[method-assign]
    started = [0.0, 0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter(), time.thread_time()]
            return
        wall, cpu = time.perf_counter() - started[0], time.thread_time() - started[1]
        if info["generation"] == 2 or wall > slow / 4:
            out.write(
                f"{time.time():.3f} gc generation {info['generation']} wall {wall * 1e3:.1f} ms "
                f"cpu {cpu * 1e3:.1f} ms collected {info['collected']}\n"
            )
            out.flush()

    gc.callbacks.append(on_gc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", required=True, help="the trace's file")
    ap.add_argument("--slow-ms", type=float, default=30.0)
    ap.add_argument("rest", nargs=argparse.REMAINDER, help="-- then `district` arguments")
    a = ap.parse_args(argv)
    rest = a.rest[1:] if a.rest[:1] == ["--"] else a.rest
    from district.server.cli import main as district

    with open(a.log, "a", encoding="utf-8") as out:
        install(out, a.slow_ms / 1000)
        return district(rest)


if __name__ == "__main__":
    sys.exit(main())
