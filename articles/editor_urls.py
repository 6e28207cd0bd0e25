"""The editors' screens (see articles.editor), mounted under /editor/."""

from django.urls import path

from . import editor

app_name = "editor"

urlpatterns = [
    path("", editor.import_article, name="import"),
    path("review/<slug:key>/", editor.review, name="review"),
    path("articles/<slug:slug>/", editor.edit, name="edit"),
]
