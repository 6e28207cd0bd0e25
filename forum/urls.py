from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.i18n import set_language

from articles.sitemaps import sitemaps
from articles.views import robots_txt
from forum.accounts import delete_account
from forum.views import healthz

# The admin signs in through allauth, with its rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", healthz, name="healthz"),
]

# French is the default and has no prefix; English lives under /en/.
# set_language sits inside the prefixed patterns so it can translate the
# current page's address (it only resolves paths of the active language).
urlpatterns += i18n_patterns(
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/delete/", delete_account, name="account_delete"),
    path("accounts/", include("allauth.urls")),
    path("", include("articles.urls")),
    path("", include("forum.discussion_urls")),
    prefix_default_language=False,
)

handler403 = "forum.views.permission_denied"
handler429 = "forum.views.too_many_requests"
