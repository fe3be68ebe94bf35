"""Two deadlines at once: a query forked by one thread must not be held by a child that
another thread forked at the same moment.

Regression: CI once answered a quick SPARQL query with 503 while a runaway query
ran beside it. The runaway's child had been forked between the quick query's
``os.pipe()`` and its parent's closing of the pipe's write end, so it held that
write end open: the quick query saw no end of file until the runaway was
killed at its deadline. The test forces that interleaving with hooks on
``os.pipe`` and ``os.fork``, and has the other child run until the test lets
it go, so without the fix the quick call can only end at its deadline.
"""

from __future__ import annotations

import os
import threading

import pytest

from kg.query import runner

pytestmark = pytest.mark.skipif(not runner.can_fork(), reason="the runner forks")


def test_a_child_forked_by_another_thread_does_not_hold_this_calls_pipe(monkeypatch):
    release_r, release_w = os.pipe()
    quick_piped, held_forked = threading.Event(), threading.Event()
    real_pipe, real_fork = os.pipe, os.fork

    def pipe():
        fds = real_pipe()
        if threading.current_thread().name == "quick":
            quick_piped.set()
            held_forked.wait(2)  # the other thread's chance to fork inside the window
        return fds

    def fork():
        if threading.current_thread().name == "held":
            pid = real_fork()
            if pid:
                held_forked.set()
            return pid
        return real_fork()

    monkeypatch.setattr(os, "pipe", pipe)
    monkeypatch.setattr(os, "fork", fork)
    got: dict[str, object] = {}

    def held() -> None:  # its child runs until the test writes a byte
        quick_piped.wait(30)  # start only once the quick call has its pipe
        got["held"] = runner.call(lambda: os.read(release_r, 1), timeout=60)

    def quick() -> None:
        try:
            got["quick"] = runner.call(lambda: b"answer", timeout=20, what="quick")
        except Exception as e:  # noqa: BLE001 - the failure is the assertion below
            got["quick"] = e
        finally:
            os.write(release_w, b"x")  # in any case, let the other child end

    threads = [threading.Thread(target=held, name="held"),
               threading.Thread(target=quick, name="quick")]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
    finally:
        os.close(release_r)
        os.close(release_w)
    assert got == {"quick": b"answer", "held": b"x"}


def test_a_child_can_run_a_call_of_its_own():
    # the child is forked while its parent holds the fork lock: it must get a free one
    def nested() -> bytes:
        return b"outer:" + runner.call(lambda: b"inner", timeout=20)

    assert runner.call(nested, timeout=30) == b"outer:inner"
