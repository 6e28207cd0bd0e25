"""@pseudo in an answer links to that member's page, and says whom the answer mentions."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from forum.accounts import anonymise_member
from forum.markdown import mentioned_names, render_markdown
from forum.models import Answer
from tests.factories import make_answer, make_question
from tests.pages import soup

REL = 'rel="nofollow ugc noopener noreferrer"'


def link(path: str, text: str) -> str:
    return f'<a href="/members/{path}/" class="mention" {REL}>{text}</a>'


# --- Linked or not ----------------------------------------------------------------------


def test_a_member_is_linked_whatever_the_case_written(alice):
    html = render_markdown("Merci @Alice, et @ALICE aussi.")
    assert html == f"<p>Merci {link('alice', '@Alice')}, et {link('alice', '@ALICE')} aussi.</p>\n"


def test_an_unknown_name_stays_text(db):
    assert render_markdown("Merci @personne !") == "<p>Merci @personne !</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "Tapez `@alice` pour la citer.",
        "```\nbonjour @alice\n```",
        "Exemple :\n\n    @alice dit bonjour",
        "~~~python\nprint('@alice')\n~~~",
    ],
    ids=["inline code", "fenced code", "indented code", "fenced code with a language"],
)
def test_no_mention_inside_code(alice, text):
    html = render_markdown(text)
    assert "@alice" in html and "<a" not in html
    assert mentioned_names(text) == []


@pytest.mark.parametrize(
    "text",
    ["Écrivez à bob@example.com.", "Écrivez à <bob@example.com>.", "bob@example.com"],
)
def test_an_email_address_mentions_no_one(make_member, text):
    make_member("example.com")
    html = render_markdown(text)
    assert 'href="mailto:bob@example.com"' in html and "mention" not in html
    assert mentioned_names(text) == []


def test_at_after_a_word_is_not_a_mention(alice):
    # Not an address linkify knows (no dot), still not a mention: "@" glued to a word.
    assert render_markdown("voir bob@alice") == "<p>voir bob@alice</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "[@alice](https://example.org/profil)",
        "[merci **@alice**](https://example.org/)",
        "<https://mastodon.social/@alice>",
        "https://mastodon.social/@alice",
        "www.lemonde.fr/@alice",
    ],
)
def test_no_mention_inside_a_link(alice, text):
    html = render_markdown(text)
    assert "@alice" in html and "mention" not in html and "/members/" not in html
    assert mentioned_names(text) == []


def test_escaped_at_is_no_mention(alice):
    assert render_markdown(r"\@alice n’est pas prévenue") == "<p>@alice n’est pas prévenue</p>\n"


def test_punctuation_that_ends_a_sentence_is_not_part_of_the_name(alice):
    html = render_markdown(
        "Merci @alice. D’accord @alice... (@alice), @alice! «\u00a0@alice\u00a0»"
    )
    assert html.count(link("alice", "@alice")) == 5
    assert f"Merci {link('alice', '@alice')}. D’accord {link('alice', '@alice')}..." in html
    assert f"({link('alice', '@alice')}), {link('alice', '@alice')}!" in html


def test_the_longest_pseudonym_that_exists_wins(make_member):
    make_member("jean")
    make_member("jean.")
    html = render_markdown("@jean. @jean.. @jean")
    assert html == (
        f"<p>{link('jean.', '@jean.')} {link('jean.', '@jean.')}. {link('jean', '@jean')}</p>\n"
    )
    assert mentioned_names("@jean. @jean.. @jean") == ["jean.", "jean"]


def test_a_longer_run_is_another_name(alice):
    html = render_markdown("@alices et @alice_b et @alice.example.com")
    assert "<a" not in html


def test_unicode_pseudonyms(make_member):
    make_member("Zoé")
    # Typed composed, lowercased, and decomposed (e + combining acute accent).
    html = render_markdown("Bravo @zoé ! Et @Zoé, et @Zoe\u0301.")
    page = "Zo%C3%A9"  # the member page of "Zoé"
    assert link(page, "@zoé") in html and link(page, "@Zoé") in html
    assert link(page, "@Zoe\u0301") in html
    assert mentioned_names("Bravo @zoé ! Et @Zoé.") == ["zoé"]


def test_short_names_are_not_mentions(make_member):
    # Below ACCOUNT_USERNAME_MIN_LENGTH no member can hold the name: no lookup for "@a".
    assert render_markdown("@a @b", members={"a", "b"}) == "<p>@a @b</p>\n"


def test_pseudonym_characters_and_hostile_text_around_are_escaped(client, make_member):
    make_member("jean-luc.b+1")
    text = '<b onclick="x()">@jean-luc.b+1</b> & "@jean-luc.b+1\'s" <a class="mention evil">'
    html = render_markdown(text)
    mention = link("jean-luc.b+1", "@jean-luc.b+1")
    assert html == (
        f'<p>&lt;b onclick="x()"&gt;{mention}&lt;/b&gt; &amp; '
        f'"{mention}\'s" &lt;a class="mention evil"&gt;</p>\n'
    )
    assert client.get("/members/jean-luc.b+1/").status_code == 200


def test_markdown_cannot_write_another_class(alice):
    # The only way to a class is a mention; a forged one is text, and a link is plain.
    html = render_markdown('[x](https://example.org/ "t"){.evil} @alice')
    assert html.count("class=") == 1 and 'class="mention"' in html


def test_an_anonymised_member_is_not_linked(alice):
    anonymise_member(user=alice)
    alice.refresh_from_db()
    text = f"@alice et @{alice.username}"
    assert render_markdown(text) == f"<p>{text}</p>\n"
    assert mentioned_names(text) == []


def test_an_inactive_member_is_not_linked(make_member):
    make_member("gaston", is_active=False)
    assert render_markdown("@gaston") == "<p>@gaston</p>\n"


def test_the_link_is_the_same_in_every_language(alice):
    with translation.override("en"):
        html = render_markdown("@alice")
    assert link("alice", "@alice") in html  # not /en/members/…: stored HTML serves both


# --- Queries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Une réponse sans personne à citer.",
        "Du code `@alice` et bob@example.com.",
        "@a et @ seul",
    ],
)
def test_no_query_without_a_mention_to_look_up(db, django_assert_num_queries, text):
    with django_assert_num_queries(0):
        render_markdown(text)
        mentioned_names(text)


def test_one_query_for_all_the_mentions_of_a_text(alice, bob, django_assert_num_queries):
    text = "@alice, @bob et @charlie.\n\n> @Alice a dit\n\n- @bob.\n- @personne"
    with django_assert_num_queries(1):
        html = render_markdown(text)
    assert html.count('class="mention"') == 4
    with django_assert_num_queries(1):
        assert mentioned_names(text) == ["alice", "bob"]


# --- Whom a text mentions -----------------------------------------------------------------


def test_mentioned_names_are_the_linked_ones_first_seen_first_once_each(alice, bob, make_member):
    make_member("Zoé")
    text = (
        "@bob a raison, @zoé aussi.\n\n"
        "`@carol` et [@charlie](https://example.org) et @inconnu\n\n"
        "```\n@alice\n```\n\n"
        "Merci @ALICE et @Bob. Puis @alice."
    )
    assert mentioned_names(text) == ["bob", "zoé", "ALICE"]


def test_mentioned_names_without_the_database():
    text = "Salut @Alice, @bob! et `@carol` et @dan."
    assert mentioned_names(text, members={"alice", "Bob", "carol"}) == ["Alice", "bob"]
    assert mentioned_names("sans arobase", members={"alice"}) == []


# --- Through the site ---------------------------------------------------------------------


def test_a_posted_answer_links_the_member_on_the_question_page(client, alice, bob):
    question = make_question()
    make_answer(question, bob, body="D’accord avec @Alice, mais pas avec `@alice`.")
    # Stored once for both languages; each page points at the member page in its own.
    for prefix in ("", "/en"):
        page = soup(client.get(prefix + question.get_absolute_url()))
        mentions = page.select(".node a.mention")
        assert [(a["href"], a.text) for a in mentions] == [(f"{prefix}/members/alice/", "@Alice")]
        assert client.get(f"{prefix}/members/alice/").status_code == 200


def test_rerendering_links_the_mentions_of_older_answers(alice, bob):
    answer = make_answer(make_question(), bob, body="Merci @alice")
    # As the renderer before mentions left it.
    Answer.objects.filter(pk=answer.pk).update(
        body_html="<p>Merci @alice</p>\n", renderer_version=3
    )
    call_command("rerender_answers", stdout=io.StringIO())
    answer.refresh_from_db()
    assert answer.body_html == f"<p>Merci {link('alice', '@alice')}</p>\n"


def test_mentions_of_a_deleted_account_become_plain_text(client, alice, bob):
    from forum.accounts import anonymise_member

    question = make_question()
    answer = make_answer(question, bob, body="Comme le dit @alice, tout dépend des brevets.")
    url = question.get_absolute_url()
    assert soup(client.get(url)).select(f"#body-{answer.pk} a.mention")  # cached with the link
    anonymise_member(user=alice)
    body = soup(client.get(url)).select_one(f"#body-{answer.pk}")
    assert body.select("a") == []
    assert "Comme le dit @alice, tout dépend des brevets." in body.text
