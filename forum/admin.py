from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class MemberAdmin(UserAdmin):
    # Until the moderation queue exists, staff suspend and ban members here.
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Standing"), {"fields": ("suspended_until", "banned", "sanction_reason")}),
    )
    list_display = (*UserAdmin.list_display, "suspended_until", "banned")
    list_filter = (*UserAdmin.list_filter, "banned")
