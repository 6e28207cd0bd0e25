"""The cast and the content every test can use."""

from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SHIPPED_ARTICLE = ROOT / "articles" / "content" / "kling-aspi-2024-06.toml"


def pytest_configure(config):
    # Hashing passwords for real is the slowest part of a test that signs in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def article(db):
    """The shipped article, published through the importer as `make run` does."""
    from articles.importer import parse_article
    from articles.publishing import save_article

    parsed = parse_article(SHIPPED_ARTICLE.read_bytes(), filename=SHIPPED_ARTICLE.name)
    return save_article(parsed, publish=True).article


@pytest.fixture
def question(article):
    return article.questions.get(position=3)


def make_member(username: str, *, verified: bool = True, **fields):
    """A member as sign-up leaves them, with a verified address unless told otherwise."""
    from allauth.account.models import EmailAddress

    from forum.models import User

    email = f"{username.lower()}@example.org"
    user = User.objects.create_user(
        username=username, email=email, password="pw-" + username, **fields
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture(name="make_member")
def make_member_fixture(db):
    """Make more members: ``make_member("Louis", verified=False)``."""
    return make_member


@pytest.fixture
def alice(db):
    return make_member("alice")


@pytest.fixture
def bob(db):
    return make_member("bob")


@pytest.fixture
def carol_unverified(db):
    return make_member("carol", verified=False)


@pytest.fixture
def dave_suspended(db):
    """Suspended by the moderators for three more days, with a reason."""
    from django.utils import timezone

    return make_member(
        "dave",
        suspended_until=timezone.now() + timezone.timedelta(days=3),
        sanction_reason="Insultes répétées.",
    )


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Group

    from forum.models import MODERATORS_GROUP

    user = make_member("modo")
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture
def fast_forms(settings):
    """People in tests type instantly: drop the minimum fill time."""
    settings.ANSWER_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request to an /en/ page leaves English active in the test's thread, and
    reverse() in the next test would build /en/ addresses: start each test in French."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
