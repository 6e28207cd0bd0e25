"""A bare Django site: one view behind the middleware of Django's own project template.

The load run (bench/load.py) serves it next to the site, with the same gunicorn, and
measures /healthz against it: the issue's reference, "a bare Django view with the
default middleware". The view touches no database.
"""

import os

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "bare-site-" + "x" * 50),
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    # As `django-admin startproject` writes them.
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)
django.setup()


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("healthz", ok)]

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after configure)

application = get_wsgi_application()
