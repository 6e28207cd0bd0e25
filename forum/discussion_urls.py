from django.urls import path

from . import views

app_name = "forum"

urlpatterns = [
    path("articles/<slug:slug>/<slug:question>/", views.question_page, name="question"),
    path("articles/<slug:slug>/<slug:question>/answer/", views.post_answer, name="post_answer"),
    path("a/<int:pk>/", views.answer_detail, name="answer"),
    path("a/<int:pk>/reply/", views.reply, name="reply"),
    path("a/<int:pk>/edit/", views.edit, name="edit"),
    path("a/<int:pk>/delete/", views.delete, name="delete"),
    path("a/<int:pk>/history/", views.history, name="history"),
    path("a/<int:pk>/vote/", views.vote, name="vote"),
    path("preview/", views.preview, name="preview"),
    path("members/<str:username>/", views.member, name="member"),
]
