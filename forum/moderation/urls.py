"""The moderator's desk (moderators past their second factor) and the public log."""

from django.urls import path

from . import legal_views, public, report_views, views, word_rules_views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("answers/<int:pk>/decide/", views.decide, name="decide"),
    path("answers/bulk/", views.bulk_decide, name="bulk"),
    path("members/<str:username>/", views.member, name="member"),
    path("members/<str:username>/sanction/", views.sanction, name="sanction"),
    path("members/<str:username>/note/", views.note, name="note"),
    path("questions/<int:pk>/state/", views.question_state, name="question_state"),
    path("questions/<int:pk>/slow-mode/", views.slow_mode, name="slow_mode"),
    path("word-rules/", word_rules_views.word_rules, name="word_rules"),
    path("word-rules/add/", word_rules_views.add_word_rule, name="word_rule_add"),
    path("word-rules/try/", word_rules_views.try_word_rules, name="word_rules_try"),
    path("word-rules/<int:pk>/delete/", word_rules_views.delete_word_rule, name="word_rule_delete"),
    path("notices/", legal_views.notices, name="notices"),
    path("notices/<int:pk>/decide/", legal_views.decide_notice, name="notice_decide"),
    path("appeals/", legal_views.appeals, name="appeals"),
    path("appeals/<int:pk>/decide/", legal_views.decide_appeal, name="appeal_decide"),
    path("appeal/<int:action_id>/", legal_views.appeal, name="appeal"),
    path("contest/<str:token>/", legal_views.contest, name="contest"),
    path("log/", public.log, name="log"),
    path("report/", report_views.report, name="report"),
    path("report.csv", report_views.report_csv, name="report_csv"),
    path("statements.jsonl", report_views.statements, name="statements"),
]
