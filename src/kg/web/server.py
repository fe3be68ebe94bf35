"""Listening and serving: a bound socket for uvicorn, in the foreground or on a thread.

The socket is bound here rather than by uvicorn so that a port in use is a
one-line error before anything starts, and so that tests can bind port 0
and read the port the system chose.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from kg.errors import KgError


class ListenError(KgError):
    """The server cannot listen on the address asked for."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ListenError(f"cannot listen on {host}:{port}: {e.strerror}",
                          hint="give --host an address of this machine, e.g. 127.0.0.1") \
            from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {e.strerror}",
                          hint="pick another --port" if e.errno == 98 else None) from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _server(app, access_log: bool):
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None):
            # queries still running would hold their requests (and the process) until
            # their deadline: stop them first, then let uvicorn finish the requests
            site = getattr(getattr(app, "state", None), "site", None)
            if site is not None:
                site.stop_children()
            await super().shutdown(sockets=sockets)

    config = uvicorn.Config(app, log_level="warning", access_log=access_log,
                            lifespan="off", timeout_graceful_shutdown=5)
    return Server(config)


def serve(app, sock: socket.socket, *, access_log: bool = False) -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C (or SIGTERM)."""
    _server(app, access_log).run(sockets=[sock])


@contextlib.contextmanager
def running(app, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """``app`` served on a thread for the length of the block; yields its base URL."""
    import time

    sock = bind(host, port)
    server = _server(app, False)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="kg-serve", daemon=True)
    thread.start()
    for _ in range(6000):  # up to a minute on a busy machine
        if server.started or not thread.is_alive():
            break
        time.sleep(0.01)
    if not server.started:
        where = url_of(sock)
        server.should_exit = True
        thread.join(10)
        sock.close()
        raise ListenError(f"the server on {where} did not start")
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
