from django.conf import settings
from django.urls import translate_url


def site(request):
    """Canonical and alternate-language absolute links of the current page."""
    path = request.path
    alternates = [
        (code, settings.SITE_URL + translate_url(path, code)) for code, _name in settings.LANGUAGES
    ]
    return {
        "SITE_URL": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + path,
        "alternate_urls": alternates,
    }
