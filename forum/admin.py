from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Flag, MemberNote, ModerationAction, User

STANDING = ("suspended_until", "banned", "sanction_reason", "premoderated")


@admin.register(User)
class MemberAdmin(UserAdmin):
    # A member's standing is shown, never changed, here: sanctions are decided on the
    # moderation desk, which logs each one and tells the member why.
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Standing"),
            {
                "fields": (*STANDING, "desk_page"),
                "description": _("Sanctions are decided on the moderation desk, which logs them."),
            },
        ),
    )
    readonly_fields = (*STANDING, "desk_page")

    def get_readonly_fields(self, request, obj=None):
        # A pseudonym is chosen at sign-up, where it is checked against look-alikes of every
        # other one (forum.accounts.skeleton); the admin would skip that check.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "username") if obj is not None else fields

    list_display = (*UserAdmin.list_display, "suspended_until", "banned")
    list_filter = (*UserAdmin.list_filter, "banned")

    @admin.display(description=_("moderation desk"))
    def desk_page(self, member: User) -> str:
        if member.pk is None or member.is_anonymised:
            return "—"
        url = reverse("moderation:member", kwargs={"username": member.username})
        return format_html('<a href="{}">{}</a>', url, _("This member on the moderation desk"))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to staff, changed only by the site's workflows (forum.moderation)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The moderation log, append-only: a wrong entry is followed by another, on the desk."""

    list_display = ("created_at", "verb", "actor", "source", "answer", "member", "question", "rule")
    list_filter = ("verb", "source")
    list_select_related = ("actor", "answer", "member", "question")
    date_hierarchy = "created_at"


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "answer", "reporter", "reason", "weight", "status")
    list_filter = ("reason", "status")
    list_select_related = ("answer", "reporter")


@admin.register(MemberNote)
class MemberNoteAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "member", "author")
    list_select_related = ("member", "author")
