from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from .models import Article


class CanonicalSitemap(Sitemap):
    """Absolute links on SITE_URL, in both languages, whatever host the crawler used."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(CanonicalSitemap):
    changefreq = "daily"

    def items(self):
        return Article.objects.published().order_by("id")

    def lastmod(self, article):
        return article.updated_at
