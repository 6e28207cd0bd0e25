"""The Atom feeds: published articles, a question's new answers, a member's answers."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import long_ago, make_answer, make_article, make_member, make_question
from tests.pages import soup

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def articles_url():
    return reverse("forum:feed_articles")


def question_url(question):
    return reverse(
        "forum:feed_question", kwargs={"slug": question.article.slug, "question": question.slug}
    )


def member_url(username):
    return reverse("forum:feed_member", kwargs={"username": username})


def atom(response) -> ET.Element:
    """The feed, parsed, after checking what every feed must be (RFC 4287)."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)  # noqa: S314 (the site's own output, under test)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}").text
        assert entry.find(f"{ATOM}link").get("href").startswith(settings.SITE_URL)
        assert entry.find(f"{ATOM}author/{ATOM}name").text
    return feed


def entries(feed) -> list[dict]:
    return [
        {
            "title": entry.find(f"{ATOM}title").text,
            "link": entry.find(f"{ATOM}link").get("href"),
            "author": entry.find(f"{ATOM}author/{ATOM}name").text,
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_articles_feed_lists_published_articles_newest_first(client):
    older = make_article(title="Ancien", published_at=long_ago(days=3))
    newer = make_article(title="Récent", standfirst="Le chapeau.", published_at=long_ago(days=1))
    make_article("draft", title="Brouillon")
    make_article("scheduled", title="Demain")
    feed = atom(client.get(articles_url()))
    found = entries(feed)
    assert [e["title"] for e in found] == ["Récent", "Ancien"]
    assert found[0]["link"] == settings.SITE_URL + newer.get_absolute_url()
    assert found[0]["summary"] == "Le chapeau."
    assert found[1]["link"] == settings.SITE_URL + older.get_absolute_url()
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == settings.SITE_URL + "/feeds/articles.atom"


def test_articles_feed_keeps_the_latest_twenty(client):
    for n in range(21):
        make_article(title=f"Article {n}", published_at=long_ago(days=30 - n))
    found = entries(atom(client.get(articles_url())))
    assert len(found) == 20
    assert found[0]["title"] == "Article 20"


def test_question_feed_lists_only_published_answers_newest_first(client, alice, bob):
    question = make_question(text="Faut-il des trains ?")
    first = make_answer(question, alice, body="Oui, *vraiment*.", created_at=long_ago(hours=3))
    reply = make_answer(question, bob, parent=first, body="Non.", created_at=long_ago(hours=1))
    make_answer(question, bob, body="En attente.", status="pending")
    make_answer(question, bob, body="Retirée.", status="removed")
    make_answer(question, bob, body="Pourriel.", status="spam")
    make_answer(question, bob, body="Effacée.", status="deleted")
    make_answer(make_question(question.article), alice, body="Ailleurs.")
    found = entries(atom(client.get("/en" + question_url(question))))
    assert found == [
        {
            "title": "Answer by bob to “Faut-il des trains ?”",
            "link": settings.SITE_URL + f"/en/a/{reply.pk}/",
            "author": "bob",
            "summary": "Non.",
        },
        {
            "title": "Answer by alice to “Faut-il des trains ?”",
            "link": settings.SITE_URL + f"/en/a/{first.pk}/",
            "author": "alice",
            "summary": "Oui, vraiment.",
        },
    ]


def test_question_feed_of_an_unpublished_article_or_unknown_question_is_404(client, alice):
    draft = make_question(make_article("draft"))
    make_answer(draft, alice)
    assert client.get(question_url(draft)).status_code == 404
    known = make_question()
    unknown = reverse(
        "forum:feed_question", kwargs={"slug": known.article.slug, "question": "nulle-part"}
    )
    assert client.get(unknown).status_code == 404


def test_member_feed_lists_their_published_answers(client, alice, bob):
    question = make_question(text="Et ensuite ?")
    mine = make_answer(question, alice, body="La mienne.")
    make_answer(question, bob, body="Pas la sienne.")
    make_answer(question, alice, body="En attente.", status="pending")
    make_answer(make_question(make_article("scheduled")), alice, body="Trop tôt.")
    found = entries(atom(client.get(member_url("Alice"))))
    assert [(e["link"], e["summary"]) for e in found] == [
        (settings.SITE_URL + f"/a/{mine.pk}/", "La mienne.")
    ]


def test_member_feed_of_an_unknown_or_anonymised_member_is_404(client):
    make_member("gone", anonymised_at=long_ago(days=1))
    assert client.get(member_url("gone")).status_code == 404
    assert client.get(member_url("nobody")).status_code == 404


def test_feeds_are_only_read(client):
    assert client.options(articles_url()).status_code == 405


def test_hostile_text_stays_text(client):
    hostile = make_member("x<script>]]>")
    question = make_question(text="Pourquoi ]]> <b>?")
    make_answer(question, hostile, body="<script>alert(1)</script> ]]> & fin")
    member_feed = "/en" + member_url("x<script>]]>")  # before a request under /en/ sets English
    response = client.get("/en" + question_url(question))
    assert b"<script>" not in response.content
    (entry,) = entries(atom(response))
    assert entry["author"] == "x<script>]]>"
    assert entry["title"] == "Answer by x<script>]]> to “Pourquoi ]]> <b>?”"
    assert "]]> & fin" in entry["summary"]
    assert b'<summary type="text">' in response.content  # read as text, never as markup
    member = atom(client.get(member_feed))
    assert member.find(f"{ATOM}title").text == "Answers by x<script>]]> — Agora"


def test_each_page_links_to_its_feed(client, alice):
    question = make_question()
    make_answer(question, alice)
    pages = {
        reverse("articles:home"): articles_url(),
        question.article.get_absolute_url(): articles_url(),
        reverse(
            "forum:question", kwargs={"slug": question.article.slug, "question": question.slug}
        ): question_url(question),
        reverse("forum:member", kwargs={"username": "alice"}): member_url("alice"),
    }
    for page, feed in pages.items():
        link = soup(client.get(page)).select_one('head link[type="application/atom+xml"]')
        assert link["rel"] == ["alternate"]
        assert link["href"] == settings.SITE_URL + feed
        assert link["title"]


@pytest.mark.parametrize("size", [1, 5])
def test_feeds_read_the_database_a_constant_number_of_times(
    client, alice, bob, size, django_assert_num_queries
):
    question = make_question()
    for n in range(size):
        make_article(title=f"Article {n}")
        make_answer(question, alice if n % 2 else bob, body=f"Réponse {n}.")
    with django_assert_num_queries(1):
        assert len(entries(atom(client.get(articles_url())))) == size + 1
    with django_assert_num_queries(2):  # the question, its answers
        assert len(entries(atom(client.get(question_url(question))))) == size
    with django_assert_num_queries(2):  # the member, their answers
        atom(client.get(member_url("bob")))
