"""How gunicorn serves Crosscase: the application is loaded once, before the workers are forked, with every
view and template, without a database connection and without the statistics stack that only the agreement
report needs."""

import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

from tests.test_deployment import PRODUCTION, ROOT

CONF = Path(ROOT) / "gunicorn.conf.py"


def test_gunicorn_loads_the_application_before_forking():
    conf = runpy.run_path(str(CONF))
    assert conf["preload_app"] is True
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 4, 60)  # the Dockerfile's defaults
    assert conf["keepalive"] > 120  # Caddy keeps an idle connection to its upstream for 2 minutes


def test_a_forked_worker_drops_the_masters_database_connections():
    conf = runpy.run_path(str(CONF))
    with mock.patch("django.db.connections.close_all") as close_all:
        conf["post_fork"](server=None, worker=None)
    close_all.assert_called_once()


LOAD = """
import sys
from unittest import mock

with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=AssertionError("a query")):
    from config.wsgi import application
from django.template import engines

(partials,) = engines["django"].engine.template_loaders
(cached,) = partials.loaders
assert len(cached.get_template_cache) > 50, len(cached.get_template_cache)
assert "cases.views" in sys.modules and "coding.exchange.qdpx.views" in sys.modules
heavy = [name for name in ("numpy", "scipy", "pandas", "statsmodels") if name in sys.modules]
assert not heavy, heavy
"""


def test_loading_the_application_imports_the_views_compiles_the_templates_and_queries_nothing():
    env = {
        **PRODUCTION,
        "DATABASE_URL": "sqlite:////nonexistent/never-opened.sqlite3",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
