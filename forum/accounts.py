"""Members' accounts: how allauth behaves here, and deleting an account."""

import functools
import unicodedata
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .markdown import render_markdown
from .models import Answer, Block, Follow, Notification, User
from .tasks import send_email

# How e-mails name the site ("Bonjour, c'est Agora !"), whatever host the request used.
SITE = SimpleNamespace(name="Agora", domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    """Remembers the member's language, names the site in mails, and calls the username
    what it is here: the public pseudonym."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": gettext_lazy("This pseudonym is already taken."),
    }

    def clean_username(self, username, shallow=False):
        """Pseudonyms as people will read them: compatibility forms folded (NFKC: "ﬁ" is
        "fi"), one script only (no Cyrillic "а" passing for a Latin "a"), none that looks
        like a member's ("paypa1" once "paypal" is taken), and the names of deleted
        accounts kept for them ("de1eted-" included)."""
        username = unicodedata.normalize("NFKC", username)
        if skeleton(username).startswith(skeleton(ANONYMISED_PREFIX)):
            raise forms.ValidationError(
                _("Pseudonyms starting with “%(prefix)s” are kept for deleted accounts.")
                % {"prefix": ANONYMISED_PREFIX}
            )
        if len(scripts_of(username)) > 1:
            raise forms.ValidationError(
                _("A pseudonym is written in one alphabet: mixed ones can pass for others.")
            )
        username = super().clean_username(username, shallow=shallow)
        if not shallow and lookalike_taken(username):
            raise forms.ValidationError(
                _("This pseudonym is too close to an existing one."), code="username_lookalike"
            )
        return username

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.username_skeleton = username_skeleton(user.username)
        if commit:
            user.save()
        return user

    def login(self, request, user):
        super().login(request, user)
        user.remember_language(get_language())

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the mail now (it needs the request), send it from the task queue, so a
        slow mail server never slows a page and a restart loses no mail."""
        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": SITE,
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", [])
             if mimetype == "text/html"),
            "",
        )  # fmt: skip
        send_email.enqueue(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            from_email=message.from_email,
            html=html,
        )


ANONYMISED_PREFIX = "deleted-"  # no new member may take such a pseudonym


def anonymised_name(user: User) -> str:
    """The pseudonym a deleted account keeps: unique even if an older account took one
    like it before the prefix was reserved."""
    name = f"{ANONYMISED_PREFIX}{user.pk}"
    if lookalike_taken(name, by_other_than=user) or (
        User.objects.filter(username__iexact=name).exclude(pk=user.pk).exists()
    ):
        name = f"{name}-{uuid.uuid4().hex[:12]}"
    return name


def lookalike_taken(username: str, *, by_other_than: User | None = None) -> bool:
    """Whether another member's pseudonym looks like this one (same skeleton)."""
    others = User.objects.filter(username_skeleton=username_skeleton(username))
    if by_other_than is not None:
        others = others.exclude(pk=by_other_than.pk)
    return others.exists()


CONFUSABLES = Path(__file__).parent / "data" / "confusables.txt"  # bin/make_confusables.py
SKELETON_MAX_LENGTH = User._meta.get_field("username_skeleton").max_length


@functools.cache
def _prototypes() -> dict[int, str]:
    """Unicode's table of look-alike characters: code point -> the one it passes for."""
    table = {}
    for line in CONFUSABLES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, target = line.split(";")
            table[int(source, 16)] = "".join(chr(int(point, 16)) for point in target.split())
    return table


def skeleton(text: str) -> str:
    """What a text looks like, as Unicode TS #39 defines it (NFD, each character replaced
    by the one it passes for, NFD again), compatibility forms folded first (NFKC) and case
    last: "paypa1", "PayPaI" and "paypal" have one skeleton, "rnallory" and "Mallory" too.
    Case folding can make a letter that passes for others ("M" -> "m" -> "rn"), so this is
    repeated until nothing changes."""
    for _round in range(4):
        folded = unicodedata.normalize("NFKC", text)
        folded = unicodedata.normalize("NFD", folded).translate(_prototypes())
        folded = unicodedata.normalize("NFD", folded).casefold()
        if folded == text:
            break
        text = folded
    return text


def username_skeleton(username: str) -> str:
    """The skeleton kept on the member's row, compared to tell look-alike pseudonyms.
    Cut to the column's size: two very long ones that start alike count as alike."""
    return skeleton(username)[:SKELETON_MAX_LENGTH]


def scripts_of(text: str) -> set[str]:
    """The alphabets of a text's letters: {"LATIN"}, {"LATIN", "CYRILLIC"}…"""
    return {unicodedata.name(char, "UNKNOWN").split(" ")[0] for char in text if char.isalpha()}


def anonymise_member(*, user: User) -> None:
    """Delete an account the way the site promises: the person's data goes, their
    answers stay signed "[deleted account]", votes and the moderation log stay."""
    with transaction.atomic():
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        # What they followed, whom they blocked, what they were told: theirs alone.
        Follow.objects.filter(member=user).delete()
        Block.objects.filter(blocker=user).delete()
        Notification.objects.filter(recipient=user).delete()
        mentioned_in = _answers_mentioning(user)
        user.username = anonymised_name(user)
        user.username_skeleton = username_skeleton(user.username)
        user.email = ""
        user.first_name = user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.anonymised_at = timezone.now()
        # A new (unusable) password changes the hash every session was signed with,
        # and an inactive member cannot sign in: every device is signed out.
        user.save()
        # Others' mentions of them become plain text: no link to a page that is gone.
        for answer in mentioned_in:
            Answer.objects.filter(pk=answer.pk).update(body_html=render_markdown(answer.body))


def _answers_mentioning(user: User):
    """The answers whose stored HTML links to ``user``'s page (forum.markdown's mentions)."""
    with translation.override(settings.LANGUAGE_CODE):  # stored links carry no language
        page = reverse("forum:member", kwargs={"username": user.username})
    return list(Answer.objects.filter(body_html__contains=f'href="{page}"').only("pk", "body"))


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """Explain what deleting the account does; do it once the password is confirmed."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = request.user
            anonymise_member(user=user)  # first: a failure must leave them signed in
            logout(request)
            messages.success(
                request,
                _("Your account was deleted. Your answers are now signed “[deleted account]”."),
            )
            return redirect("articles:home")
        return render(request, "account/delete.html", {"form": form}, status=400)
    return render(request, "account/delete.html", {"form": form})
