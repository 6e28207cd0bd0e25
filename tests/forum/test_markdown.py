"""Everything members write goes through one Markdown + allow-list pipeline."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forum.markdown import (
    ALLOWED_ATTRIBUTE_VALUES,
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    render_markdown,
)

# Members the generated texts may mention, in place of the database (these tests have none).
MEMBERS = {"alice", "a+b.c", "Zoé"}


def test_markdown_basics_render():
    html = render_markdown("*italique* **gras** `code`\n\n> citation\n\n- un\n- deux")
    assert "<em>italique</em>" in html and "<strong>gras</strong>" in html
    assert "<code>code</code>" in html and "<blockquote>" in html and "<li>un</li>" in html


def test_raw_html_is_shown_as_text_not_run():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,hi", "vbscript:x", "JaVaScRiPt:alert(1)"]
)
def test_dangerous_link_schemes_are_dropped(link):
    assert "href" not in render_markdown(f"[clic]({link})")


def test_links_are_marked_as_user_content():
    html = render_markdown("[ASPI](https://techtracker.aspi.org.au/) et <mailto:a@b.fr>")
    assert 'href="https://techtracker.aspi.org.au/"' in html
    assert html.count('rel="nofollow ugc noopener noreferrer"') == 2


def test_headings_and_images_are_not_part_of_an_answer():
    html = render_markdown("# Titre\n\n![img](https://example.org/a.png)")
    assert "<h1" not in html and "<img" not in html


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


# Fragments that Markdown and HTML give meaning to, glued in random order.
markdownish = st.lists(
    st.sampled_from(
        [
            *"ab <>/\"'=:()[]*`#!-_\n",
            *["javascript:", "<script>", "http://x", "](", "<a href=", " onerror=", "mailto:"],
            *["@alice", "@a+b.c", "@Zoé", "@", " class=", "mention"],
        ]
    ),
    max_size=60,
).map("".join)


@pytest.fixture(scope="module")
def _urls_loaded():
    """A mention's link loads the URLconf on first use: not within an example's deadline."""
    render_markdown("@alice", members=MEMBERS)


@given(st.one_of(st.text(max_size=200), markdownish))
def test_no_input_produces_markup_outside_the_allow_list(_urls_loaded, text):
    collector = _TagCollector()
    collector.feed(render_markdown(text, members=MEMBERS))
    for tag, attrs in collector.found:
        assert tag in ALLOWED_TAGS
        fixed = ALLOWED_ATTRIBUTE_VALUES.get(tag, {})
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | set(fixed) | {"rel"}
        for name, values in fixed.items():
            assert attrs.get(name, next(iter(values))) in values
        if "href" in attrs:
            # Relative links stay; any scheme must be one of the allowed ones.
            assert urlsplit(attrs["href"]).scheme.lower() in {"", "http", "https", "mailto"}


def test_bare_addresses_become_links_but_not_in_code():
    html = render_markdown(
        "Voir https://techtracker.aspi.org.au/ et www.lemonde.fr, pas `https://x.org`."
    )
    assert '<a href="https://techtracker.aspi.org.au/" rel=' in html
    assert '<a href="http://www.lemonde.fr" rel=' in html
    assert "<code>https://x.org</code>" in html


def test_only_web_and_mail_addresses_become_links():
    html = render_markdown("ftp://x.org et //x.org et javascript:alert(1)")
    assert "<a" not in html


def test_thirty_levels_of_quotes_keep_their_words_within_eight_levels():
    html = render_markdown(">" * 30 + " tout au fond")
    assert "tout au fond" in html and html.count("<blockquote>") == 8


def test_deeply_nested_lists_keep_every_item():
    source = "".join("  " * level + f"- niveau {level}\n" for level in range(40))
    html = render_markdown(source)
    assert all(f"niveau {level}" in html for level in range(40))
