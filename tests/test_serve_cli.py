"""`kg serve` on the command line: it starts, answers, stops on Ctrl-C; bad starts are one line."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest


def test_serve_starts_answers_and_stops_on_ctrl_c(built_store):
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--store", str(built_store), "--port", "0",
         "--timeout", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stderr.readline()
        assert line.startswith("Serving the graph at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split("/ ", 1)[0]
        assert line == (f"Serving the graph at {url}/ (SPARQL endpoint: {url}/sparql); "
                        "Ctrl-C stops.\n")
        query = urllib.parse.urlencode({"query": "ASK { kgr:russia a kg:State }"})
        with urllib.request.urlopen(f"{url}/sparql?{query}", timeout=60) as r:
            assert r.headers["Content-Type"] == "application/sparql-results+json"
            assert json.loads(r.read()) == {"head": {}, "boolean": True}
        with urllib.request.urlopen(f"{url}/", timeout=60) as r:
            assert r.status == 200 and b"<h2>Articles</h2>" in r.read()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == "Stopped.\n"


def test_serve_without_a_build_is_one_line(kg, tmp_path):
    r = kg("serve", "--store", str(tmp_path / "nothing"), "--port", "0")
    assert r.exit_code == 1
    assert r.output == (f"Error: no built graph at {tmp_path / 'nothing'}\n"
                        "Hint: run `kg build` first (or pass --store / set KG_STORE)\n")


def test_serve_on_a_busy_port_is_one_line(kg, built_store):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = kg("serve", "--store", str(built_store), "--port", str(port))
    assert r.exit_code == 1
    assert r.output == (f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
                        "Hint: pick another --port\n")


@pytest.mark.parametrize("host", ["no-such-host.invalid"])
def test_serve_on_an_unknown_host_is_one_line(kg, built_store, host):
    r = kg("serve", "--store", str(built_store), "--host", host, "--port", "0")
    assert r.exit_code == 1
    assert r.output.startswith(f"Error: cannot listen on {host}:0: ")
    assert r.output.endswith("Hint: give --host an address of this machine, e.g. 127.0.0.1\n")


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out |= {int(c) for c in f.read().split()}
    return out


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_query_running_when_the_server_stops_does_not_outlive_it(built_store, sig):
    """Ctrl-C kills the running queries' children and stops at once, without a traceback;
    if the server is killed, its children die with it (the parent-death signal)."""
    import threading
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--store", str(built_store), "--port", "0",
         "--timeout", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stderr.readline().split(" at ", 1)[1].split("/ ", 1)[0]
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . "
                                                 "?d ?e ?f . ?g ?h ?i }"})
        threading.Thread(target=lambda: _ignore(f"{url}/sparql?{query}"), daemon=True).start()
        children: set[int] = set()
        for _ in range(600):  # until the runaway query's child is forked
            children = _children(proc.pid)
            if children:
                break
            time.sleep(0.05)
        assert children
    finally:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert (proc.returncode, err) == (0, "Stopped.\n")
    for _ in range(200):  # the child is killed with the server, not at its 120 s deadline
        if not any(os.path.exists(f"/proc/{c}") and "Z" not in _state(c) for c in children):
            break
        time.sleep(0.05)
    assert [c for c in children if os.path.exists(f"/proc/{c}") and "Z" not in _state(c)] == []


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _ignore(url: str) -> None:
    with contextlib.suppress(OSError):
        urllib.request.urlopen(url, timeout=200).read()
