"""System checks for what Django's own deploy checks do not know about this site."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Canonical links, the sitemap and the links in e-mails are built on SITE_URL: in
    production it must be the public https address, not the development default."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme == "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL!r}: set it to the site's public https address.",
            hint="Links in e-mails, canonical links and the sitemap are built on it.",
            id="forum.W001",
        )
    ]
