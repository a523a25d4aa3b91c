"""How gunicorn serves Crosscase; gunicorn reads this file from the directory it starts in, and options given
on its command line (the Dockerfile's bind, workers, threads and timeout) take precedence.

The application is loaded once, in the master, before the workers are forked (`preload_app`): its code,
the URLconf with every view and the compiled templates (`config.wsgi`) are then shared by all workers, so a
worker's first request costs no imports and the workers together hold one copy of them. No database
connection is made while loading; `post_fork` closes any that were, so that no two processes share one.
"""

import gc
import os

preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# An idle keep-alive connection stays open longer than the proxy in front keeps one (Caddy: 2 minutes) and a
# browser reuses one, so that neither sends a request on a connection gunicorn has just closed.
keepalive = 130


def pre_fork(server, worker):
    gc.freeze()  # what was loaded stays out of the workers' garbage collection, so it stays shared


def post_fork(server, worker):
    from django.db import connections

    connections.close_all()
