"""Helpers for the hostile-input tests: graph hashes, file snapshots, listeners, audits.

Tests only: nothing here is part of kg.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
ARTICLE_NAME = "000_99214e3abbb71cf3"


# ---------------------------------------------------------------------------
# The canonical hash of a graph


def dataset_hash(quads) -> str:
    """sha256 of the RDFC-1.0 canonical N-Quads of ``quads``, lines sorted."""
    d = ox.Dataset(quads)
    d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(f"{q} .\n" for q in d)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def graph_hash(store_dir: Path) -> str:
    """The canonical hash of every quad of the current build of ``store_dir``."""
    store = ox.Store.read_only(str((Path(store_dir) / "current").resolve() / "oxigraph"))
    try:
        return dataset_hash(store.quads_for_pattern(None, None, None, None))
    finally:
        del store


# ---------------------------------------------------------------------------
# File snapshots: byte-identical, nothing added, nothing removed


def snapshot(root: Path) -> dict[str, str]:
    """relative path -> sha256 of the bytes (or ``-> target`` for a symlink), recursively."""
    root = Path(root)
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            mode = p.lstat().st_mode
            if stat.S_ISLNK(mode):
                out[rel] = "-> " + os.readlink(p)
            elif stat.S_ISREG(mode):
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            elif stat.S_ISDIR(mode):
                out[rel] = "dir"
    return out


def disk_full_error(store_dir: Path) -> str:
    """What ``kg build`` prints when the disk fills while the store is written."""
    return (f"Error: cannot write the store at {store_dir}: No space left on device; "
            "the previous build is still current\n"
            "Hint: free some disk space, or pass --store a directory on another disk\n")


def store_state(store_dir: Path) -> dict:
    """What must not change when a command fails: the current link, the builds, the graph.

    RocksDB may touch its own LOG files when a store is opened read-only, so
    the store is compared by its link, its list of builds, its manifest bytes
    and its canonical graph hash rather than byte by byte.
    """
    store_dir = Path(store_dir)
    current = store_dir / "current"
    return {
        "link": os.readlink(current) if current.is_symlink() else None,
        "entries": sorted(p.name for p in store_dir.iterdir()),
        "builds": sorted(p.name for p in (store_dir / "builds").iterdir()),
        "manifest": hashlib.sha256((current / "manifest.json").read_bytes()).hexdigest(),
        "graph": graph_hash(store_dir),
    }


def copy_store(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


# ---------------------------------------------------------------------------
# A loopback listener that records every connection


class Listener:
    """A TCP socket on 127.0.0.1 that accepts and records connections (and says nothing)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.connections: list[tuple] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(addr)
            conn.close()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.2)  # let a late connection arrive before we stop counting
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


# ---------------------------------------------------------------------------
# A FIFO that tells whether any process (native code included) opened it


class Tripwire:
    """A named pipe: opening it for reading, from any process or language, is recorded.

    A writer's non-blocking open of a FIFO succeeds only while some reader
    has it open; a thread polls for that. A real file would not tell a read
    by Rust code (pyoxigraph) from no read at all; a FIFO does.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        os.mkfifo(self.path)
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
                continue
            self.opened = True
            os.close(fd)  # the reader sees end of file
            time.sleep(0.005)

    def __enter__(self) -> Tripwire:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.1)
        self._stop.set()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------------------
# The CLI in a subprocess, with an audit hook recording opens and connections

_AUDITED = r"""
import os, sys, json
_log = os.open(os.environ["KG_AUDIT_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
_EVENTS = {"open", "socket.connect", "socket.getaddrinfo", "urllib.Request",
           "http.client.connect", "os.system", "subprocess.Popen"}
def _hook(event, args):
    if event not in _EVENTS:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, int):
            return
        shown = os.fsdecode(path) if isinstance(path, (str, bytes)) else repr(path)
        record = [event, os.path.abspath(shown)]
    elif event == "socket.connect":
        record = [event, repr(args[1])]
    else:
        record = [event, repr(args[:2])]
    os.write(_log, (json.dumps(record) + "\n").encode())
sys.addaudithook(_hook)
from kg.cli import cli
sys.exit(cli.main(args=sys.argv[1:], prog_name="kg"))
"""


def run_audited(args: list[str], log: Path, *, cwd: Path, input: bytes | None = None,
                env: dict | None = None, timeout: float = 120) -> tuple[
                    subprocess.CompletedProcess, list[list[str]]]:
    """``kg ARGS`` in a fresh interpreter with an audit hook; (process, recorded events).

    Forked children (the query runner) inherit the hook and the log.
    """
    full_env = {**os.environ, "KG_AUDIT_LOG": str(log), "PYTHONDONTWRITEBYTECODE": "1",
                **(env or {})}
    proc = subprocess.run([sys.executable, "-c", _AUDITED, *args], cwd=cwd, input=input,
                          capture_output=True, env=full_env, timeout=timeout)
    events = [json.loads(line) for line in Path(log).read_text().splitlines()] \
        if Path(log).exists() else []
    return proc, events


def kg_executable() -> str:
    beside = Path(sys.executable).parent / "kg"
    found = str(beside) if beside.is_file() else shutil.which("kg")
    assert found, "the kg console script is not installed"
    return found
