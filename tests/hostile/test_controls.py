"""The instruments of the hostile tests detect what they are meant to (positive controls)."""

from __future__ import annotations

import socket
import threading

import pyoxigraph as ox

from .helpers import Listener, Tripwire, dataset_hash, run_audited


def test_listener_records_a_connection():
    with Listener() as listener:
        socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    assert len(listener.connections) == 1


def test_tripwire_records_a_native_open(tmp_path):
    fifo = tmp_path / "t.ttl"
    with Tripwire(fifo) as trip:
        t = threading.Thread(target=lambda: list(ox.parse(path=str(fifo),
                                                          format=ox.RdfFormat.TURTLE)))
        t.start()
        t.join(timeout=5)
    assert trip.opened


def test_audit_hook_records_opens_and_connections(tmp_path):
    with Listener() as listener:
        proc, events = run_audited(["--version"], tmp_path / "a.log", cwd=tmp_path, env={
            "PYTHONSTARTUP": ""})
        assert proc.returncode == 0
        assert any(e[0] == "open" for e in events)  # kg's own modules at least
        code = ("import socket,sys; sys.addaudithook(lambda e,a: print(e) "
                "if e=='socket.connect' else None); "
                f"socket.create_connection(('127.0.0.1',{listener.port})).close()")
        import subprocess
        import sys
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "socket.connect" in out.stdout
    assert len(listener.connections) == 1


def test_hash_ignores_blank_node_labels_and_order():
    a = [ox.Quad(ox.BlankNode("x"), ox.NamedNode("urn:p"), ox.Literal("1"))]
    b = [ox.Quad(ox.BlankNode("y"), ox.NamedNode("urn:p"), ox.Literal("1"))]
    c = [ox.Quad(ox.BlankNode("y"), ox.NamedNode("urn:p"), ox.Literal("2"))]
    assert dataset_hash(a) == dataset_hash(b) != dataset_hash(c)
