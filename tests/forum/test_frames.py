"""A member's question page made once per set of facts and filled in (forum.frames): each
member's page is exactly what rendering it for them gives, whoever's frame it came from."""

import re

import pytest
from django.contrib.auth.models import Group

from forum import frames
from forum.models import MODERATORS_GROUP, Follow, Notification, QuestionVisit, SlowMode
from tests.factories import make_answer, make_member

pytestmark = pytest.mark.django_db


def normalised(html: str) -> str:
    """The page with what differs on every render of it, for anyone, made equal: the
    masked CSRF token, the form's submission key and fill-time token."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1T", html)
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1T", html)
    return re.sub(r'(name="(?:idempotency_key|shown_at)" value=")[^"]+', r"\1V", html)


@pytest.fixture
def framed(monkeypatch):
    """``page(browser, url)``: the page rendered as usual, then from the frames, both
    normalised, the frames kept between calls (as a process keeps them between
    requests), so that a member may be served a frame that another one's page made."""

    def page(browser, url):
        pages = []
        # Both renders see the same last visit (each records one: what is new since).
        visits = list(QuestionVisit.objects.all())
        for kept in (0, frames.FRAMES_KEPT):
            monkeypatch.setattr(frames, "FRAMES_KEPT", kept)
            QuestionVisit.objects.all().delete()
            QuestionVisit.objects.bulk_create(visits)
            response = browser.get(url)
            assert response.status_code == 200
            pages.append(normalised(response.content.decode()))
        return pages

    return page


@pytest.fixture
def discussion(question, charlie):
    first = make_answer(question, charlie, body="Premier avis, argumenté.")
    make_answer(question, charlie, parent=first, body="Une réponse à soi-même.")
    return question


def test_each_member_gets_their_own_page_from_frames_made_for_others(
    framed, client_for, discussion, alice, bob, carol_unverified, dave_suspended, moderator
):
    staff = make_member("rédaction", is_staff=True)
    follower = make_member("suiveuse")
    Follow.objects.create(member=follower, question=discussion)
    reader_of_all = make_member("lectrice")
    Follow.objects.create(member=reader_of_all, article=discussion.article)
    notified = make_member("notifiée")
    for _ in range(3):
        Notification.objects.create(recipient=notified, kind=Notification.Kind.REPLY)
    url = discussion.get_absolute_url()
    # Each differs from those before it in one fact the page shows (or only in their own
    # values: bob), so a fact missing from the frames' key serves someone a wrong page.
    members = [
        alice, bob, carol_unverified, dave_suspended, moderator, staff, follower,
        reader_of_all, notified,
    ]  # fmt: skip
    made = []
    for member in members:
        usual, from_frames = framed(client_for(member), url)
        assert from_frames == usual, member.username
        assert member.username in from_frames and member.get_absolute_url() in from_frames
        made.append(len(frames._frames))
    # bob's page came from alice's frame: the test would prove nothing without hits.
    assert made[1] == made[0] == 1
    assert len(set(made)) == len(members) - 1


@pytest.mark.parametrize("suffix", ["?sort=new", "?sort=old&page=1"])
def test_another_sort_or_language_is_another_frame(framed, client_for, discussion, alice, suffix):
    browser = client_for(alice)
    url = discussion.get_absolute_url()
    framed(browser, url)
    for address in (url + suffix, "/en" + url):
        usual, from_frames = framed(browser, address)
        assert from_frames == usual
    assert len(frames._frames) == 3


def test_what_changes_in_the_discussion_shows_on_the_next_page(
    framed, client_for, discussion, alice, bob, moderator
):
    browser = client_for(alice)
    url = discussion.get_absolute_url()
    framed(browser, url)
    make_answer(discussion, bob, body="Un avis de plus, tout frais.")  # a new page version
    usual, from_frames = framed(browser, url)
    assert from_frames == usual and "Un avis de plus" in from_frames
    assert "1 nouvelle réponse depuis votre dernière visite" in from_frames
    SlowMode.objects.create(question=discussion, minutes=7, set_by=moderator)
    usual, from_frames = framed(browser, url)
    assert from_frames == usual and "Mode lent" in from_frames
    discussion.state = "locked"
    discussion.save()
    usual, from_frames = framed(browser, url)
    assert from_frames == usual and 'id="answer-form"' in from_frames


def test_a_page_with_a_statement_from_the_moderators_is_rendered_for_the_member(
    framed, client_for, discussion, alice
):
    Notification.objects.create(recipient=alice, kind=Notification.Kind.WARNING)
    usual, from_frames = framed(client_for(alice), discussion.get_absolute_url())
    assert from_frames == usual and "De la part des modérateurs" in from_frames
    assert not frames._frames


def test_a_member_just_made_a_moderator_sees_the_desk_link_at_once(
    framed, client_for, discussion, alice
):
    browser = client_for(alice)
    url = discussion.get_absolute_url()
    framed(browser, url)
    alice.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    usual, from_frames = framed(browser, url)
    assert from_frames == usual and 'id="desk-link"' in from_frames
