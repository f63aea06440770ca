"""Spread independent work over the machine's cores with fork, keeping the result order.

Compiling is per site and pure, so sites can be compiled in forked children that inherit the
estate (nothing is pickled on the way in; only the resulting bytes come back). Where fork is
not available, or one worker is enough, the work runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers_available() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def fan_out(work: Callable[[Sequence[T]], R], items: Sequence[T], workers: int) -> list[R]:
    """`work` applied to `workers` contiguous shares of `items`, results in share order."""
    workers = max(1, min(workers, len(items)))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [work(items)]
    size = -(-len(items) // workers)
    shares = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")
    children = []
    for share in shares[1:]:
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(work, share, sender), daemon=True)
        child.start()
        sender.close()
        children.append((child, receiver))
    results = [work(shares[0])]
    for child, receiver in children:
        status, value = receiver.recv()
        child.join()
        if status == "error":
            raise RuntimeError(f"a worker failed:\n{value}")
        results.append(value)
    return results


def _child(work: Callable[[Sequence[T]], R], share: Sequence[T], sender: Connection) -> None:
    try:
        sender.send(("ok", work(share)))
    except BaseException:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()
