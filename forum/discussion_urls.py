from django.urls import path

from . import feeds
from .moderation import legal_views
from .views import flags, members, notifications, threads, votes, writing

app_name = "forum"

urlpatterns = [
    path("articles/<slug:slug>/<slug:question>/", threads.question_page, name="question"),
    path("articles/<slug:slug>/<slug:question>/answer/", writing.post_answer, name="post_answer"),
    path("a/<int:pk>/", threads.answer_detail, name="answer"),
    path("a/<int:pk>/reply/", writing.reply, name="reply"),
    path("a/<int:pk>/edit/", writing.edit, name="edit"),
    path("a/<int:pk>/delete/", writing.delete, name="delete"),
    path("a/<int:pk>/history/", writing.history, name="history"),
    path("a/<int:pk>/vote/", votes.vote, name="vote"),
    path("a/<int:pk>/flag/", flags.flag, name="flag"),
    path("a/<int:pk>/flag/withdraw/", flags.withdraw_flag, name="withdraw_flag"),
    path("a/<int:pk>/notice/", legal_views.notice, name="notice"),
    path("notifications/<int:pk>/read/", notifications.mark_read, name="notification_read"),
    path("accounts/preferences/", members.preferences, name="preferences"),
    path("preview/", writing.preview, name="preview"),
    path("members/<str:username>/", members.member, name="member"),
    path("feeds/articles.atom", feeds.articles_feed, name="feed_articles"),
    path(
        "articles/<slug:slug>/<slug:question>/feed.atom", feeds.question_feed, name="feed_question"
    ),
    path("members/<str:username>/feed.atom", feeds.member_feed, name="feed_member"),
]
