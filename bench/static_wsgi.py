"""The app for the web map bench under gunicorn, with Django's static files handler in
front of it in place of nginx's /static/ (deploy/nginx.conf): gunicorn alone serves no
static files, and the page needs them from its own origin."""

from django.contrib.staticfiles.handlers import StaticFilesHandler

from gis_portal.wsgi import application as app

application = StaticFilesHandler(app)
