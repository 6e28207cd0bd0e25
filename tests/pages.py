"""Reading the pages the site answers with, as a person would read them."""

from bs4 import BeautifulSoup

# The 403 page's sentence when a view gives no reason of its own.
GENERIC_REFUSAL = "Vous n’êtes pas autorisé à faire cela."


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def text_of(response) -> str:
    """The page's text, with French non-breaking spaces read as plain ones."""
    return " ".join(soup(response).text.replace("\u202f", " ").replace("\xa0", " ").split())


def refusal(response) -> str:
    """The reason a 403 page gives: a sentence of its own, never the generic one."""
    reason = soup(response).select_one(".error-page p").text.strip()
    assert reason and reason != GENERIC_REFUSAL
    return reason
