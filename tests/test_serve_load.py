"""A bounded load test on loopback: 20 clients for 30 seconds, no failed request, while one
more client keeps running a query that hits its (short) deadline.

Bounded in time (``KG_LOAD_SECONDS``, default 30) and in clients (20 + 1),
on 127.0.0.1 only. Each client walks the pages and the SPARQL endpoint; a
request fails if it errors, answers anything but 200, or its body is not
complete. The runaway client sends a cartesian product with ``timeout=2``
and must get 503 each time, the server staying usable meanwhile.
"""

from __future__ import annotations

import json
import os
import threading
import time

import httpx
import pytest

from kg.web.app import create_app
from kg.web.server import running

CLIENTS = 20
SECONDS = float(os.environ.get("KG_LOAD_SECONDS", "30"))
HELD_IN = "SELECT ?place WHERE { kgr:istanbul-talks-2025 kg:heldIn ?place }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: (path, params, a string every complete answer ends with or contains)
WALK = [
    ("/sparql", {"query": HELD_IN}, '"value":"https://w3id.org/kg/id/istanbul"}}]}}'),
    ("/", {}, "</html>"),
    ("/query/talks", {}, '<p class="count">(2 rows)</p>'),
    ("/sparql", {"query": "ASK { kgr:russia a kg:State }", "format": "xml"},
     "<boolean>true</boolean></sparql>"),
    ("/entity/istanbul", {}, "</html>"),
    ("/static/kg.css", {}, "mark.k-claim"),
    ("/graph/istanbul-talks-2025.svg", {}, "</svg>\n"),
    ("/query/positions-of-actor", {"actor": "Ukraine"}, "</html>"),
    ("/article/000_99214e3abbb71cf3", {}, "</html>"),
]


@pytest.mark.skipif(SECONDS <= 0, reason="KG_LOAD_SECONDS=0")
def test_twenty_clients_no_failed_request_while_a_query_hits_its_deadline(built_store):
    with running(create_app(built_store, timeout=30)) as url:
        stop = time.monotonic() + SECONDS
        done = [0] * CLIENTS
        failures: list[str] = []
        stopped: list[httpx.Response] = []

        def client(n: int) -> None:
            with httpx.Client(base_url=url, timeout=120) as c:
                i = n
                while time.monotonic() < stop:
                    path, params, expect = WALK[i % len(WALK)]
                    i += 1
                    try:
                        r = c.get(path, params=params)
                    except httpx.HTTPError as e:
                        failures.append(f"{path}: {type(e).__name__}: {e}")
                        continue
                    if r.status_code != 200 or expect not in r.text:
                        failures.append(f"{path}: {r.status_code} {r.text[:200]!r}")
                    done[n] += 1

        def runaway() -> None:
            with httpx.Client(base_url=url, timeout=120) as c:
                while time.monotonic() < stop:
                    stopped.append(c.get("/sparql", params={"query": RUNAWAY, "timeout": "2"}))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        threads.append(threading.Thread(target=runaway))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert all(n > 0 for n in done), done
        assert stopped and all(
            (r.status_code, r.text.splitlines()[0]) ==
            (503, "Error: query: the query ran longer than 2 s and was stopped")
            for r in stopped), [(r.status_code, r.text) for r in stopped]
        # still usable afterwards
        with httpx.Client(base_url=url, timeout=60) as c:
            r = c.get("/sparql", params={"query": HELD_IN})
            assert json.loads(r.content)["results"]["bindings"][0]["place"]["value"] == \
                "https://w3id.org/kg/id/istanbul"
        print(f"\n{sum(done)} requests by {CLIENTS} clients in {SECONDS:g} s, "
              f"{len(stopped)} runaway queries stopped")
