"""How the API is served: `make run`, the tests' live server and the
benchmark all start gunicorn with this file (``--config python:lib.gunicorn_conf``).

Threads, not processes alone: a client that stalls half-way through its
request holds a thread, not a whole worker, so a few slow or stalled clients
cannot starve the others. Each thread keeps its own SQLite connections
(lib/store/connection.py), opened after the fork.
"""
worker_class = "gthread"
workers = 2  # one per core of the machine we serve from; --workers overrides
threads = 16
# gthread parks idle kept-alive connections in its poller, not in a thread
worker_connections = 1000
keepalive = 5
timeout = 30
graceful_timeout = 10
# The app is built once, before the fork: a bad setting or database stops the
# start with one message. No connection it opens is kept past the fork.
preload_app = True
# Servers side by side (tests, benchmarks) must not share one control socket path.
control_socket_disable = True
