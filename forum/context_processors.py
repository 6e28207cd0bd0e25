from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject


def site(request):
    """Canonical and alternate-language absolute links of the current page.

    The alternates cost a resolve and a reverse per language: they are
    computed only when a full page prints them, not for htmx fragments."""
    path = request.path

    def alternates():
        return [
            (code, settings.SITE_URL + translate_url(path, code))
            for code, _name in settings.LANGUAGES
        ]

    return {
        "SITE_URL": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + path,
        "alternate_urls": SimpleLazyObject(alternates),
    }
