"""Anonymous readers share one copy of an article's and a question's page (forum.pagecache):
every visible change shows on the next request, and nobody's own page is ever shared."""

import gzip
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum.accounts import anonymise_member
from forum.answers import do_delete_answer, do_edit_answer
from forum.models import Block, PageVersion, QuestionVisit, SlowMode
from forum.moderation.actions import do_decide, do_set_question_state
from forum.replicas import ReplicaRouter
from forum.voting import do_set_vote
from tests.factories import long_ago, make_answer, make_article, make_member, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(db):
    """A question with one answer, and the addresses of its page and its article's."""
    article = make_article(title="Un article lu par tous")
    question = make_question(article, text="Faut-il partager ?")
    author = make_member("Camille_R")
    # Old enough that its score shows (it is hidden during an answer's first hour).
    answer = make_answer(question, author, body="Première réponse.", created_at=long_ago(hours=2))
    return {
        "question": question,
        "article": article,
        "answer": answer,
        "author": author,
        "url": question.get_absolute_url(),
        "article_url": article.get_absolute_url(),
    }


def warm(client, url):
    """Read ``url`` until it comes from the shared copy; return that response."""
    first = client.get(url)
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    return second


# --- Served from the copy -------------------------------------------------------------


def test_the_second_anonymous_reader_gets_the_copy_for_one_query(client, page):
    warm(client, page["url"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page["url"])
    assert response["X-Cache"] == "hit"
    assert "Première réponse." in text_of(response)
    assert len(queries) == 1  # the page's version


def test_the_article_page_is_shared_too(client, page):
    response = warm(client, page["article_url"])
    assert "Faut-il partager" in text_of(response)


def test_a_reader_with_the_copy_revalidates_it_for_a_304(client, page):
    response = warm(client, page["url"])
    etag = response["ETag"]
    again = client.get(page["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    assert again.content == b""


def test_the_copy_is_kept_compressed_for_readers_who_accept_it(client, page):
    plain = warm(client, page["url"])
    made = client.get(page["url"], headers={"Accept-Encoding": "gzip, br"})
    assert made["Content-Encoding"] == "gzip" and made["X-Cache"] == "hit"
    assert "Accept-Encoding" in made["Vary"]
    assert gzip.decompress(made.content) == plain.content
    assert "Content-Encoding" not in client.get(page["url"])


def test_shared_pages_say_what_they_vary_with(client, page):
    response = warm(client, page["url"])
    assert {"Cookie", "HX-Request"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "no-cache" in response["Cache-Control"]


def test_french_and_english_pages_are_kept_apart(client, page):
    warm(client, page["url"])
    english = client.get("/en" + page["url"])
    assert english["X-Cache"] == "miss"
    assert soup(english).html["lang"] == "en"
    assert soup(client.get(page["url"])).html["lang"] == "fr"


def test_htmx_parts_and_whole_pages_are_kept_apart(client, page, settings):
    settings.ANSWERS_PER_PAGE = 1
    make_answer(page["question"], make_member("Yanis"), body="Seconde réponse.")
    whole = client.get(page["url"] + "?page=2")
    part = client.get(page["url"] + "?page=2", headers={"HX-Request": "true"})
    assert "<html" in whole.content.decode() and "<html" not in part.content.decode()
    assert client.get(page["url"] + "?page=2")["X-Cache"] == "hit"
    assert (
        "<html"
        not in client.get(page["url"] + "?page=2", headers={"HX-Request": "true"}).content.decode()
    )


def test_a_remembered_sort_gets_its_own_copy(client, page):
    second = make_answer(page["question"], make_member("Yanis"), body="Plus récente.")
    do_set_vote(voter=make_member("voter1"), answer=page["answer"], value=1)
    warm(client, page["url"])
    client.cookies["answer_sort"] = "new"
    newest_first = client.get(page["url"])
    assert newest_first["X-Cache"] == "miss"
    text = text_of(newest_first)
    assert text.index("Plus récente.") < text.index("Première réponse.")
    assert second.pk


def test_choosing_a_sort_is_not_shared_because_it_sets_a_cookie(client, page):
    response = client.get(page["url"] + "?sort=new")
    assert response.cookies["answer_sort"].value == "new"
    assert client.get(page["url"] + "?sort=new").cookies["answer_sort"].value == "new"


def test_made_up_parameters_are_not_stored(client, page):
    url = page["url"] + "?utm_source=lettre"
    client.get(url)
    assert "X-Cache" not in client.get(url)


def test_a_database_outage_is_the_sites_503_not_an_error(client, page):
    def down(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(down):
        response = client.get(page["url"])
    assert response.status_code == 503 and response["Retry-After"] == "10"


# --- Never stale ----------------------------------------------------------------------


def test_a_new_answer_shows_at_once(client, page):
    warm(client, page["url"])
    warm(client, page["article_url"])
    make_answer(page["question"], make_member("Yanis"), body="Une réponse toute neuve.")
    response = client.get(page["url"])
    assert response["X-Cache"] == "miss"
    assert "Une réponse toute neuve." in text_of(response)
    assert "2 réponses" in text_of(client.get(page["article_url"]))


def test_an_edit_shows_at_once(client, page):
    warm(client, page["url"])
    do_edit_answer(answer=page["answer"], editor=page["author"], body="Texte corrigé.")
    text = text_of(client.get(page["url"]))
    assert "Texte corrigé." in text and "Première réponse." not in text


def test_a_withdrawn_answer_goes_at_once(client, page):
    warm(client, page["url"])
    do_delete_answer(answer=page["answer"])
    assert "Première réponse." not in text_of(client.get(page["url"]))


def test_a_vote_shows_at_once_and_changes_the_etag(client, page):
    before = warm(client, page["url"])
    do_set_vote(voter=make_member("Noemie"), answer=page["answer"], value=1)
    after = client.get(page["url"], headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    score = soup(after).select_one(f"#a{page['answer'].pk} .vote__score [aria-hidden]")
    assert score is not None and score.get_text(strip=True) == "1"


def test_a_vote_cast_again_changes_nothing_and_keeps_the_copy(client, page):
    """The same vote sent twice (a double click) changes no counter: readers keep their
    copy and their 304."""
    noemie = make_member("Noemie")
    do_set_vote(voter=noemie, answer=page["answer"], value=1)
    before = warm(client, page["url"])
    do_set_vote(voter=noemie, answer=page["answer"], value=1)
    do_set_vote(voter=make_member("Yanis"), answer=page["answer"], value=0)  # had none
    again = client.get(page["url"], headers={"If-None-Match": before["ETag"]})
    assert again.status_code == 304


def test_a_moderators_removal_and_restoration_show_at_once(client, page):
    moderator = make_member("Modo")
    answer = page["answer"]
    warm(client, page["url"])
    do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="civility", reason="Insulte.",
    )  # fmt: skip
    assert "Première réponse." not in text_of(warm(client, page["url"]))
    answer.refresh_from_db()
    do_decide(moderator=moderator, answer=answer, verb="restore", seen_version=answer.version)
    assert "Première réponse." in text_of(client.get(page["url"]))


def test_pinning_shows_at_once(client, page):
    moderator = make_member("Modo")
    answer = page["answer"]
    warm(client, page["url"])
    do_decide(moderator=moderator, answer=answer, verb="pin", seen_version=answer.version)
    assert soup(client.get(page["url"])).select_one(f"#a{answer.pk} .badge--pinned")


def test_locking_the_question_shows_at_once(client, page):
    warm(client, page["url"])
    do_set_question_state(moderator=make_member("Modo"), question=page["question"], verb="lock")
    assert client.get(page["url"])["X-Cache"] == "miss"


def test_slow_mode_shows_at_once(client, page):
    warm(client, page["url"])
    SlowMode.objects.create(question=page["question"], minutes=5, set_by=make_member("Modo"))
    assert "Mode lent" in text_of(client.get(page["url"]))


def test_editing_the_article_shows_on_its_questions_at_once(client, page):
    warm(client, page["url"])
    warm(client, page["article_url"])
    article = page["article"]
    article.title = "Un titre revu"
    article.save()
    assert "Un titre revu" in text_of(client.get(page["url"]))
    assert "Un titre revu" in text_of(client.get(page["article_url"]))


def test_editing_a_question_shows_at_once(client, page):
    warm(client, page["article_url"])
    question = page["question"]
    question.text = "Faut-il vraiment partager ?"
    question.save()
    assert "Faut-il vraiment partager" in text_of(client.get(page["article_url"]))


def test_a_deleted_account_shows_as_such_at_once(client, page):
    warm(client, page["url"])
    anonymise_member(user=page["author"])
    text = text_of(client.get(page["url"]))
    assert "Camille_R" not in text and "[compte supprimé]" in text


def test_a_change_in_another_article_keeps_this_copy(client, page):
    other = make_question(make_article(title="Un autre"), text="Autre ?")
    warm(client, page["url"])
    make_answer(other, make_member("Yanis"))
    assert client.get(page["url"])["X-Cache"] == "hit"


def permalink(answer) -> str:
    return reverse("forum:answer", kwargs={"pk": answer.pk})


def test_an_answers_permalink_is_shared_and_never_stale(client, page):
    """A link to one answer, shared on a social network, brings readers by the thousand."""
    answer, author = page["answer"], page["author"]
    response = warm(client, permalink(answer))
    assert "Première réponse." in text_of(response)
    make_answer(page["question"], make_member("bob"), parent=answer, body="Une réplique.")
    assert "Une réplique." in text_of(warm(client, permalink(answer)))
    do_edit_answer(editor=author, answer=answer, body="Première, corrigée.")
    assert "Première, corrigée." in text_of(warm(client, permalink(answer)))
    # Another article's change keeps it.
    other = make_question(make_article(title="Un autre"), text="Autre ?")
    make_answer(other, author, body="Ailleurs.")
    assert client.get(permalink(answer))["X-Cache"] == "hit"


def test_a_permalinks_removal_and_restoration_show_at_once(client, page):
    moderator, answer = make_member("Modo"), page["answer"]
    warm(client, permalink(answer))
    do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="civility", reason="Insulte.",
    )  # fmt: skip
    assert "Première réponse." not in text_of(warm(client, permalink(answer)))
    answer.refresh_from_db()
    do_decide(moderator=moderator, answer=answer, verb="restore", seen_version=answer.version)
    assert "Première réponse." in text_of(warm(client, permalink(answer)))


def test_a_permalink_of_an_answer_awaiting_review_is_never_kept(client, client_for, page):
    bob = make_member("bob")
    pending = make_answer(page["question"], bob, body="En attente.", status="pending")
    assert "En attente." in text_of(client_for(bob).get(permalink(pending)))
    for _ in range(2):
        response = client.get(permalink(pending))
        assert response.status_code == 404 and "En attente." not in text_of(response)


@pytest.mark.parametrize("pk", [987654321, 2**63, 10**30])
def test_a_permalink_to_no_answer_is_a_404(client, page, pk):
    response = client.get(reverse("forum:answer", kwargs={"pk": pk}))
    assert response.status_code == 404 and "X-Cache" not in response


def test_a_member_never_gets_a_readers_permalink(client, client_for, page):
    warm(client, permalink(page["answer"]))
    response = client_for(make_member("alice")).get(permalink(page["answer"]))
    assert "X-Cache" not in response and "alice" in text_of(response)


def test_the_copy_ends_when_the_discussion_closes(client, page):
    article = page["article"]
    article.closes_at = timezone.now() + timedelta(seconds=2)
    article.save()
    assert "Cette discussion est close" not in text_of(warm(client, page["url"]))
    time.sleep(2.1)
    response = client.get(page["url"])
    assert response["X-Cache"] == "miss"
    assert "Cette discussion est close" in text_of(response)


def test_the_copy_ends_when_a_young_answers_score_shows(client, page, settings):
    settings.SCORE_HIDDEN_FOR = timedelta(seconds=2)
    young = make_answer(page["question"], make_member("Yanis"), body="Toute jeune.")
    score = f"#a{young.pk} .vote__score"
    assert soup(warm(client, page["url"])).select_one(f"{score} .vote__hidden") is not None
    time.sleep(2.1)
    response = client.get(page["url"])
    assert response["X-Cache"] == "miss"
    assert soup(response).select_one(f"{score} .vote__hidden") is None


def test_every_source_table_changes_the_token(page):
    """The triggers themselves: one write to each table the pages show, one new token."""

    def token():
        return PageVersion.objects.get(article=page["article"]).token

    writes = [
        lambda: type(page["answer"]).objects.filter(pk=page["answer"].pk).update(score=7),
        lambda: type(page["question"]).objects.filter(pk=page["question"].pk).update(position=9),
        lambda: type(page["article"]).objects.filter(pk=page["article"].pk).update(title="T"),
        lambda: type(page["author"]).objects.filter(pk=page["author"].pk).update(username="Zed"),
        lambda: SlowMode.objects.create(
            question=page["question"], minutes=3, set_by=page["author"]
        ),
    ]
    for write in writes:
        before = token()
        write()
        assert token() != before


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_version_changes_when_the_change_commits():
    """The triggers run at commit: a busy article's version row is locked for the last
    instant of a transaction only."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes the version at once: it has one writer at a time")
    article = make_article()
    answers = [make_answer(make_question(article), make_member(f"m{n}")) for n in range(3)]
    version = PageVersion.objects.filter(article=article)
    before = version.get()
    with transaction.atomic():
        for answer in answers:
            type(answer).objects.filter(pk=answer.pk).update(score=5)
        assert version.get().token == before.token  # not yet: at commit
    after = version.get()
    assert after.token != before.token and after.written_by != before.written_by


# --- Never leaked ---------------------------------------------------------------------


def test_an_anonymous_page_holds_no_secret_and_sets_no_cookie(client, page):
    for url in (page["url"], page["article_url"]):
        response = client.get(url)
        html = response.content.decode()
        assert response.cookies == {} or not response.cookies
        assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
        assert "nonce" not in html
        assert "nonce" not in response["Content-Security-Policy"]


def test_a_members_page_is_never_shared(client, client_for, page):
    alice = make_member("alice")
    member = client_for(alice)
    mine = member.get(page["url"])
    assert "X-Cache" not in mine
    assert "alice" in text_of(mine)
    anonymous = client.get(page["url"])
    assert anonymous["X-Cache"] == "miss"
    assert (
        "alice" not in text_of(anonymous)
        and "csrfmiddlewaretoken" not in anonymous.content.decode()
    )


def test_a_member_never_gets_the_anonymous_copy(client, client_for, page):
    warm(client, page["url"])
    member = client_for(make_member("alice"))
    response = member.get(page["url"])
    assert "X-Cache" not in response
    assert "alice" in text_of(response)
    assert "data-hx-headers" in response.content.decode()  # their token, for their votes


def test_answers_rendered_for_a_reader_are_not_reused_for_a_member(client, client_for, page):
    """Each answer's markup is cached too (forum.rendering): a reader's vote buttons lead to
    signing in, a member's vote."""
    vote = f"#a{page['answer'].pk} form.vote"
    assert soup(client.get(page["url"])).select_one(vote)["method"] == "get"
    member = client_for(make_member("alice"))
    assert soup(member.get(page["url"])).select_one(vote)["method"] == "post"


# --- Members share the thread, never each other's facts -----------------------------


def answers_shown(response) -> list[str]:
    return [
        " ".join(body.get_text().split()) for body in soup(response).select("li.node .answer__body")
    ]


def test_a_member_sees_each_change_on_their_next_page(client_for, page):
    """The answers of a member's page come from a copy shared by members
    (forum.pagecache.load_shared_thread_page), under the same version."""
    question, author = page["question"], page["author"]
    bob = client_for(make_member("bob"))
    assert answers_shown(bob.get(page["url"])) == ["Première réponse."]
    second = make_answer(question, author, body="Deuxième réponse.", created_at=long_ago(hours=1))
    # Without votes, the default order ("best") puts the newest first.
    assert answers_shown(bob.get(page["url"])) == ["Deuxième réponse.", "Première réponse."]
    for voter in (make_member("v1"), make_member("v2")):
        do_set_vote(voter=voter, answer=page["answer"], value=1)
    assert answers_shown(bob.get(page["url"])) == ["Première réponse.", "Deuxième réponse."]
    do_edit_answer(editor=author, answer=page["answer"], body="Première, corrigée.")
    assert answers_shown(bob.get(page["url"]))[0] == "Première, corrigée."
    second.refresh_from_db()
    do_decide(
        moderator=make_member("modo"), answer=second, verb="remove", seen_version=second.version,
        rule="civility", reason="Insulte.",
    )  # fmt: skip
    assert "Deuxième réponse." not in answers_shown(bob.get(page["url"]))


def test_an_answer_awaiting_review_shows_to_its_author_alone(client_for, page):
    bob, carol = make_member("bob"), make_member("carol")
    carol_browser = client_for(carol)
    carol_browser.get(page["url"])  # the members' copy, made before bob's answer
    make_answer(page["question"], bob, body="En attente de relecture.", status="pending")
    pending = "En attente de relecture."
    assert pending in " ".join(answers_shown(client_for(bob).get(page["url"])))
    assert pending not in " ".join(answers_shown(carol_browser.get(page["url"])))
    assert pending not in " ".join(answers_shown(client_for(make_member("dan")).get(page["url"])))


def test_what_is_new_is_each_members_own(client_for, page):
    alice, bob, carol = make_member("alice"), make_member("bob"), make_member("carol")
    QuestionVisit.objects.create(user=alice, question=page["question"], seen_at=long_ago(hours=1))
    make_answer(page["question"], bob, body="Arrivée depuis.")
    # Carol's first visit makes the copy: nothing is new to someone who never came.
    first = client_for(carol).get(page["url"])
    assert not soup(first).select(".badge--new") and "since your last visit" not in text_of(first)
    alices = client_for(alice).get(page["url"])
    new = [badge.find_parent("li", class_="node") for badge in soup(alices).select(".badge--new")]
    assert [node.select_one(".answer__body").get_text(strip=True) for node in new] == [
        "Arrivée depuis."
    ]
    assert not soup(client_for(bob).get(page["url"])).select(".badge--new")  # his own answer
    # Seen now: not new to alice any more.
    assert not soup(client_for(alice).get(page["url"])).select(".badge--new")


def test_a_blocked_members_answers_fold_for_the_blocker_alone(client_for, page):
    bob, carol = make_member("bob"), make_member("carol")
    Block.objects.create(blocker=bob, blocked=page["author"])
    client_for(carol).get(page["url"])  # the copy
    folded = f"#a{page['answer'].pk} .answer__hidden"
    assert soup(client_for(bob).get(page["url"])).select_one(folded) is not None
    assert soup(client_for(carol).get(page["url"])).select_one(folded) is None


def test_a_reader_with_a_message_waiting_gets_a_page_of_their_own(client, page):
    warm(client, page["url"])
    client.cookies["messages"] = "anything"
    assert "X-Cache" not in client.get(page["url"])


def test_the_copy_is_not_kept_once_the_reader_signs_in(client, page):
    """A session cookie, even one that is no longer valid, means a page of one's own."""
    warm(client, page["url"])
    client.cookies["sessionid"] = "gone"
    assert "X-Cache" not in client.get(page["url"])


def test_an_anonymous_page_follow_button_asks_to_sign_in(client, page):
    response = client.get(page["url"])
    link = soup(response).select_one(".follow-bar a.follow__button")
    assert link is not None and link["href"].startswith("/accounts/login/?next=")


def test_an_anonymous_page_switches_language_with_links(client, page):
    response = client.get(page["url"] + "?page=1")
    link = soup(response).select_one(".lang-switch a[hreflang=en]")
    assert link is not None and link["href"] == "/en" + page["url"] + "?page=1"


def test_the_cache_can_be_turned_off(client, page, settings):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    client.get(page["url"])
    assert "X-Cache" not in client.get(page["url"])
    assert cache.get("page:anything") is None


# --- A read replica, when configured ---------------------------------------------------


class RecordingRouter(ReplicaRouter):
    """Where forum.replicas.ReplicaRouter sends each read; the test has one database, so
    every read still goes there."""

    reads: list[str] = []

    def db_for_read(self, model, **hints):
        self.reads.append(super().db_for_read(model, **hints))
        return "default"


@pytest.fixture
def replica(settings):
    settings.DATABASE_REPLICA_URL = "postgres://replica.internal/agora"
    router = RecordingRouter()
    router.reads = []
    settings.DATABASE_ROUTERS = [router]
    return router


def test_anonymous_copies_are_made_from_the_replica(client, page, replica):
    assert client.get(page["url"])["X-Cache"] == "miss"
    assert replica.reads and set(replica.reads) == {"replica"}
    replica.reads.clear()
    assert client.get(page["url"])["X-Cache"] == "hit"
    assert replica.reads == ["replica"]  # the version, then the copy


def test_members_and_writes_stay_on_the_primary(client_for, page, replica):
    member = client_for(make_member("alice"))
    replica.reads.clear()
    member.get(page["url"])
    assert replica.reads and set(replica.reads) == {"default"}
    assert replica.db_for_write(PageVersion) == "default"
