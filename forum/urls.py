"""The site's addresses. The site composes the articles app (what is published) with the
discussion (what readers say), so every page address is declared here or in
forum.discussion_urls."""

from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from .accounts import delete_account
from .sitemaps import sitemaps
from .views import articles, site

# The admin signs in through allauth, with its rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)

article_patterns = [
    path("", articles.home, name="home"),
    path("articles/<slug:slug>/", articles.article_page, name="article"),
]

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("healthz", site.healthz, name="healthz"),
    path("livez", site.livez, name="livez"),
]

# French is the default and has no prefix; English lives under /en/.
# set_language sits inside the prefixed patterns so it can translate the
# current page's address (it only resolves paths of the active language).
urlpatterns += i18n_patterns(
    path("i18n/setlang/", site.switch_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/delete/", delete_account, name="account_delete"),
    path("accounts/", include("allauth.urls")),
    path("editor/", include("articles.editor_urls")),
    path("moderation/", include("forum.moderation.urls")),
    path("", include((article_patterns, "articles"))),
    path("", include("forum.discussion_urls")),
    prefix_default_language=False,
)

handler400 = "forum.views.site.bad_request_page"
handler403 = "forum.views.site.permission_denied"
handler404 = "forum.views.site.page_not_found"
handler500 = "forum.views.site.server_error"
handler429 = "forum.views.site.too_many_requests"
