"""Configuration comes from the environment and refuses unsafe production values."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from forum.settings import env_bool, mailer_from_url


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly these variables."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-c", "import forum.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    assert load_settings(DEBUG="0", SECRET_KEY="short").returncode != 0
    assert load_settings(DEBUG="0", SECRET_KEY="k" * 40 + "0123456789abcdef").returncode == 0


def test_development_needs_nothing():
    assert load_settings().returncode == 0


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("off", False), ("Yes", True)])
def test_booleans_are_read_strictly(monkeypatch, raw, value):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not value) is value


def test_an_unclear_boolean_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_email_url_becomes_a_mailer():
    smtp = mailer_from_url("smtp://agora%40example.org:s3cr%2Ft@mail.example.org:2525")
    assert smtp["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp["OPTIONS"]["host"] == "mail.example.org" and smtp["OPTIONS"]["port"] == 2525
    assert smtp["OPTIONS"]["username"] == "agora@example.org"
    assert smtp["OPTIONS"]["password"] == "s3cr/t" and smtp["OPTIONS"]["use_tls"]
    assert mailer_from_url("smtps://mail.example.org")["OPTIONS"]["use_ssl"]
    assert mailer_from_url("console://")["BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured):
        mailer_from_url("carrier-pigeon://home")
