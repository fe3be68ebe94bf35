"""Running a function in a forked child with a deadline that really stops it.

pyoxigraph evaluates a query inside one native call that Python cannot
interrupt and that has no timeout of its own. :func:`call` forks: the child
runs the function (the query, with the store it inherited from the parent)
and writes its bytes into a pipe; the parent reads the pipe as the bytes
arrive, waiting at most until the deadline, and kills the child with
SIGKILL when the deadline passes. The parent never blocks in native code,
so it stays usable after a timeout. A fork costs a few milliseconds (see
``bench/query_bench.py``).

Frames on the pipe: one status byte, then the payload: ``0`` the function's
bytes; ``1`` a JSON error ``[module, class, message, hint]`` rebuilt in the
parent as the same exception class.

The child never outlives its parent or its deadline, whatever happens to the
parent (SIGTERM, SIGHUP, SIGKILL, a closed terminal): on Linux it asks the
kernel for SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``), a
thread watches the parent's pid as a fallback elsewhere, and it carries its
own deadline, an alarm (SIGALRM, default action: terminate) one second after
the parent's.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable

from kg.errors import KgError, QueryError, QueryTimeout, UsageError

DEFAULT_TIMEOUT = 30.0
_OK, _ERR = b"0", b"1"
#: Held from a call's pipe until its parent closed the write end (see :func:`call`).
_FORKING = threading.Lock()


def _new_lock_in_child() -> None:  # a child starts with the lock held by its forking call
    global _FORKING
    _FORKING = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_in_child)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def call(func: Callable[[], bytes], *, timeout: float | None = DEFAULT_TIMEOUT,
         what: str = "the query") -> bytes:
    """``func()`` run in a forked child, stopped after ``timeout`` seconds.

    ``timeout`` None or 0 (or a platform without fork) runs ``func`` in this
    process without a deadline. Errors raised by ``func`` are raised here
    with their class and message; a timeout raises :class:`QueryTimeout`.
    """
    if timeout is not None and not math.isfinite(timeout):
        raise UsageError(f"{what}: the timeout must be a finite number of seconds, "
                         f"not {timeout!r}")
    if not timeout or timeout <= 0 or not can_fork():
        return func()
    parent = os.getpid()
    # From the pipe to the parent's closing its write end, no other thread may fork:
    # that child would inherit the write end, and this call would see no end of file
    # until that other child ended (a quick query held by a runaway one).
    with _FORKING:
        read_fd, write_fd = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # None when the descriptor was closed
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's stack (nor the lock)
            status = 70
            try:
                _bind_to_parent(parent, timeout)
                os.close(read_fd)
                try:
                    payload = _OK + func()
                except BaseException as e:  # noqa: BLE001 - sent to the parent
                    payload = _ERR + _encode_error(e)
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
    return _collect(pid, read_fd, timeout, what)


#: Seconds the child's own alarm waits beyond the parent's deadline.
CHILD_GRACE = 1.0
_PR_SET_PDEATHSIG = 1


def _bind_to_parent(parent: int, timeout: float) -> None:
    """In the child: die with the parent, and at the deadline (plus a grace) at the latest."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(min(max(1, math.ceil(timeout + CHILD_GRACE)), 2**31 - 1))
    if sys.platform.startswith("linux") and _set_pdeathsig():
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(70)
        return
    _watch_parent(parent)


def _set_pdeathsig() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(70)

    threading.Thread(target=watch, name="kg-parent-watch", daemon=True).start()


def _collect(pid: int, read_fd: int, timeout: float, what: str) -> bytes:
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    finished = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                break
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not finished:
            _kill(pid)
    if not finished:
        raise QueryTimeout(f"{what}: the query ran longer than {timeout:g} s and was stopped",
                           hint="narrow it (a LIMIT, a more specific pattern) or "
                                "raise --timeout")
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        how = (f"was killed by signal {-os.waitstatus_to_exitcode(status)}"
               if os.WIFSIGNALED(status) else
               f"exited with status {os.waitstatus_to_exitcode(status)}")
        raise QueryError(f"{what}: the query failed: its process {how} without an answer",
                         hint="it may have run out of memory; narrow the query")
    if data[:1] == _OK:
        return data[1:]
    raise _decode_error(data[1:])


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _encode_error(e: BaseException) -> bytes:
    cls = type(e)
    message = e.message if isinstance(e, KgError) else str(e)
    hint = e.hint if isinstance(e, KgError) else None
    return json.dumps([cls.__module__, cls.__qualname__, message, hint]).encode("utf-8")


def _decode_error(data: bytes) -> BaseException:
    import builtins
    import importlib

    module, qualname, message, hint = json.loads(data.decode("utf-8"))
    try:
        cls = getattr(importlib.import_module(module), qualname)
    except (ImportError, AttributeError):
        cls = None
    if isinstance(cls, type) and issubclass(cls, KgError):
        err = cls.__new__(cls)
        Exception.__init__(err, message)
        err.message, err.hint = message, hint
        return err
    if module == "builtins" and isinstance(getattr(builtins, qualname, None), type) \
            and issubclass(getattr(builtins, qualname), Exception):
        return getattr(builtins, qualname)(message)
    return QueryError(f"{qualname}: {message}")
