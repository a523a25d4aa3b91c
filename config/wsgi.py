"""The WSGI application, loaded with everything a request would otherwise load at its first use (see
`config.warm`), so that a server that loads it before forking its workers (gunicorn.conf.py) shares it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.warm import warm  # noqa: E402  (needs the settings and apps that get_wsgi_application set up)

warm()
