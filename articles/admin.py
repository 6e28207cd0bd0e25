from django.contrib import admin

from .models import Article, Question


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "text", "slug", "state"]
    prepopulated_fields = {"slug": ["text"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "published_at", "discussion_policy"]
    list_filter = ["status", "discussion_policy"]
    search_fields = ["title", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [QuestionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "published_at", "date_precision"]}),
        (None, {"fields": ["standfirst", "standfirst_lang", "body", "lang"]}),
        (None, {"fields": ["source_name", "source_url"]}),
        (None, {"fields": ["discussion_policy", "closes_at"]}),
    ]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "article", "position", "state"]
    list_filter = ["state"]
    search_fields = ["text"]
