"""``kg serve``: a local, read-only web reader and SPARQL endpoint over the built store.

Modules, one job each:

* :mod:`kg.web.negotiation` — which media type answers a request (Accept, ``format``);
* :mod:`kg.web.protocol` — the SPARQL 1.1 Protocol: request -> checked query, answer bytes;
* :mod:`kg.web.highlight` — an article's text as HTML with its quotes highlighted;
* :mod:`kg.web.reader` — the article reader's data: quotes, voices, what each supports;
* :mod:`kg.web.pages` — the data behind the other pages, read from the store;
* :mod:`kg.web.cache` — rendered pages kept by URL (the store never changes under the server);
* :mod:`kg.web.server` — listening: a bound socket for uvicorn, foreground or a thread;
* :mod:`kg.web.app` — the Starlette application: routes, the forked runner, errors.

Every query a request needs runs in a child forked by :mod:`kg.query.runner` (one per
request, with the server's deadline), waited for on a worker thread, so a
runaway query never blocks the event loop or the other requests.
"""
