"""`kg serve` on the command line: it starts, answers, stops on Ctrl-C; bad starts are one line."""

from __future__ import annotations

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
