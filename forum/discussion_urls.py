from django.urls import path

from . import feeds
from .moderation import legal_views
from .views import flags, following, members, notifications, threads, votes, writing

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
    path("a/<int:pk>/follow/", following.follow_answer, name="follow_answer"),
    path(
        "articles/<slug:slug>/<slug:question>/follow/",
        following.follow_question,
        name="follow_question",
    ),
    # Not under articles/<slug>/, where "follow" would read as a question's slug.
    path("follow/articles/<slug:slug>/", following.follow_article, name="follow_article"),
    path("accounts/following/", following.following, name="following"),
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/count/", notifications.inbox_link, name="notifications_count"),
    path("notifications/read/", notifications.mark_all_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", notifications.mark_read, name="notification_read"),
    path("unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    path("accounts/preferences/", members.preferences, name="preferences"),
    path("preview/", writing.preview, name="preview"),
    path("members/<str:username>/", members.member, name="member"),
    path("members/<str:username>/block/", members.block, name="block"),
    path("accounts/blocked/", members.blocked_members, name="blocked"),
    path("feeds/articles.atom", feeds.articles_feed, name="feed_articles"),
    path(
        "articles/<slug:slug>/<slug:question>/feed.atom", feeds.question_feed, name="feed_question"
    ),
    path("members/<str:username>/feed.atom", feeds.member_feed, name="feed_member"),
]
