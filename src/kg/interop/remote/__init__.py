"""Talking to remote SPARQL servers: credentials, HTTP transport, and server layouts.

* :mod:`kg.interop.remote.credentials`: the credential variables, checked before
  anything is sent, and URLs shown without their user information;
* :mod:`kg.interop.remote.opener`: kg's own urllib opener (http(s) only, no redirects,
  HTTP Digest, each request's sockets shut at its deadline);
* :mod:`kg.interop.remote.transport`: every HTTP request kg makes (SPARQL queries and
  updates through SPARQLWrapper, Graph Store Protocol uploads directly), with a
  whole-request deadline, no redirects, an answer-size cap and one-line errors;
* :mod:`kg.interop.remote.layouts`: where a store keeps its update and Graph Store
  services (Oxigraph, Fuseki, Virtuoso, GraphDB/RDF4J), and the IRIs that may
  go into an update;
* :mod:`kg.interop.remote.upload`: what a push sends, graph by graph, as request
  bodies of bounded size made one at a time.

:mod:`kg.interop.endpoint` builds queries and pushes on top of these.
"""
