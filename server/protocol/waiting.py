"""Waiting with a time limit, for both ends of the protocol.

`asyncio.wait_for` on Python 3.11 loses a cancellation that arrives as the awaited thing
completes (CPython gh-86296, fixed in 3.12): the task returns the result as if nothing had
happened. A bot told to stop just as a reply came in then played on for ever (a CI run hung on
it), and a connection closing as a server stopped could keep the stop waiting. `within` waits
the same way with `asyncio.timeout`, which keeps the cancellation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(aw: Awaitable[T], timeout: float | None) -> T:
    """`await aw`, for at most `timeout` seconds (None: no limit); TimeoutError after that, and
    `aw` is cancelled (shield it to keep it going)."""
    async with asyncio.timeout(timeout):
        return await aw
