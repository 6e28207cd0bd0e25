"""Configuration comes from the environment and refuses unsafe production values."""

import ast
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from forum.settings import DISCUSSION_POLICIES, env_bool, mailer_from_url

REDIS = "redis://127.0.0.1:6379/0"  # only read by the settings, never dialled here


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly these variables.

    With SHOW=NAME, the interpreter prints that setting's repr."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "SINGLE_PROCESS"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, forum.settings as s; print(repr(vars(s).get(os.getenv('SHOW'))))",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def settings_value(name: str, **env):
    """One setting as a fresh interpreter reads it with these variables."""
    result = load_settings(SHOW=name, **env)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout)


def test_production_refuses_to_start_without_a_real_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    assert load_settings(DEBUG="0", SECRET_KEY="short", REDIS_URL=REDIS).returncode != 0
    good = "k" * 40 + "0123456789abcdef"
    assert load_settings(DEBUG="0", SECRET_KEY=good, REDIS_URL=REDIS).returncode == 0


def test_production_refuses_to_start_without_a_shared_cache():
    """Each worker would count rate limits on its own and keep its own cache."""
    good = "k" * 40 + "0123456789abcdef"
    result = load_settings(DEBUG="0", SECRET_KEY=good)
    assert result.returncode != 0 and "REDIS_URL is required" in result.stderr
    assert load_settings(DEBUG="0", SECRET_KEY=good, SINGLE_PROCESS="1").returncode == 0


def test_production_refuses_a_long_key_made_of_one_character():
    result = load_settings(
        DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="agora.example", REDIS_URL=REDIS
    )
    assert result.returncode != 0
    assert "at least 5 different ones" in result.stderr


@pytest.mark.parametrize(
    ("site_url", "flagged"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://agora.example", True),
        ("https://agora.example", False),
    ],
)
def test_the_deploy_check_flags_a_site_url_that_is_not_the_public_https_address(
    settings, site_url, flagged
):
    from forum.checks import check_site_url

    settings.SITE_URL = site_url
    assert [w.id for w in check_site_url(None)] == (["forum.W001"] if flagged else [])


def test_development_needs_nothing():
    assert load_settings().returncode == 0


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("RATE_LIMIT_ANSWER_MEMBER", "ten per minute"),
        ("RATE_LIMIT_ANSWER_IP", "30/0"),
        ("RATE_LIMIT_VOTE_MEMBER", "60/1m"),
        ("RATE_LIMIT_VOTE_IP", "-1/60"),
        ("RATE_LIMIT_PREVIEW", "120"),
    ],
)
def test_a_malformed_rate_limit_stops_the_start(name, raw):
    result = load_settings(**{name: raw})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must read count/seconds" in result.stderr
    assert repr(raw) in result.stderr


def test_a_rate_limit_is_read_as_count_per_seconds():
    assert settings_value("RATE_LIMIT_VOTE_MEMBER", RATE_LIMIT_VOTE_MEMBER=" 5 / 30 ") == "5/30"


def test_the_signup_limit_is_read_in_allauths_format():
    limits = settings_value("ACCOUNT_RATE_LIMITS", RATE_LIMIT_SIGNUP="5/300s/key,30/h")
    assert limits["signup"] == "5/300s/key,30/h"
    result = load_settings(RATE_LIMIT_SIGNUP="20 per minute")
    assert result.returncode != 0
    assert "ImproperlyConfigured: RATE_LIMIT_SIGNUP must read count/period/per" in result.stderr


def test_an_unknown_discussion_policy_stops_the_start():
    result = load_settings(DEFAULT_DISCUSSION_POLICY="pre")
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: DEFAULT_DISCUSSION_POLICY must be one of post, pre-new, pre-all: "
        "'pre'" in result.stderr
    )
    assert settings_value("DEFAULT_DISCUSSION_POLICY", DEFAULT_DISCUSSION_POLICY="pre-all") == (
        "pre-all"
    )


def test_the_discussion_policies_are_the_models():
    from articles.models import Article

    assert tuple(Article.DiscussionPolicy.values) == DISCUSSION_POLICIES


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
