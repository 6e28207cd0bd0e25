"""The moderator's desk (moderators past their second factor) and the public log."""

from django.urls import path

from . import public, views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("answers/<int:pk>/decide/", views.decide, name="decide"),
    path("answers/bulk/", views.bulk_decide, name="bulk"),
    path("members/<str:username>/", views.member, name="member"),
    path("members/<str:username>/sanction/", views.sanction, name="sanction"),
    path("members/<str:username>/note/", views.note, name="note"),
    path("questions/<int:pk>/state/", views.question_state, name="question_state"),
    path("log/", public.log, name="log"),
]
