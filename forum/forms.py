import time
import unicodedata
import uuid

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from django.utils.translation import gettext_lazy as _

from .models import User
from .notifications import PREFERENCES
from .rules import blocked_refusal

_FILL_SALT = "forum.answer-form"
_FORM_MAX_AGE = 60 * 60 * 24  # a form left open overnight still posts


# Characters that print nothing: format characters (zero-width spaces and joiners,
# direction marks), and letters drawn blank (braille pattern blank, Hangul fillers).
_BLANK_LETTERS = {"\u2800", "\u3164", "\u115f", "\u1160", "\uffa0"}


def visible_text(text: str) -> str:
    """What a reader would see of ``text``: no spaces, no characters that print nothing."""
    return "".join(
        char
        for char in text
        if not char.isspace()
        and unicodedata.category(char) not in ("Cf", "Cc", "Zs")
        and char not in _BLANK_LETTERS
    )


class EditForm(forms.Form):
    """The text of an answer, within the length limits of the settings."""

    body = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: *italics*, **bold**, `code`, > quote, - list, [link](https://…)."),
        error_messages={"required": _("Write something before posting.")},
    )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(visible_text(body)) < settings.ANSWER_MIN_LENGTH:
            raise forms.ValidationError(_("Write something before posting."), code="invisible")
        # A word rule that blocks: said here, so the text stays in the form to be rephrased.
        if refusal := blocked_refusal(body):
            raise forms.ValidationError(refusal, code="word_rule")
        return body

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        low, high = settings.ANSWER_MIN_LENGTH, settings.ANSWER_MAX_LENGTH
        body.validators = [
            ProhibitNullCharactersValidator(),
            MinLengthValidator(low),
            MaxLengthValidator(high),
        ]
        body.widget.attrs["maxlength"] = str(high)


class AnswerForm(EditForm):
    """A new answer or reply: carries an idempotency key and two bot traps."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    # Signed time the form was shown; a submit faster than a person types is a bot.
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False)
    # Hidden from people by CSS; bots fill every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            self.initial.setdefault("shown_at", signing.dumps(time.time(), salt=_FILL_SALT))

    @classmethod
    def for_thread(cls, data=None, *, parent=None, **kwargs):
        """The form for a question, or for a reply to ``parent``: a reply form has ids of its
        own, since it opens on a page that already holds the question's form."""
        if parent is not None:
            kwargs.setdefault("auto_id", f"id_reply{parent.pk}_%s")
        return cls(data, **kwargs)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This answer could not be posted."), code="honeypot")
        return ""

    def clean_shown_at(self):
        token = self.cleaned_data.get("shown_at", "")
        try:
            shown_at = signing.loads(token, salt=_FILL_SALT, max_age=_FORM_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This form is too old or damaged: reload the page and try again."), code="stale"
            ) from None
        if time.time() - shown_at < settings.ANSWER_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was very fast: take a second to read your answer, then post it again."),
                code="too_fast",
            )
        return token


class EmailSettingsForm(forms.ModelForm):
    """How each kind of notification reaches the member by e-mail."""

    class Meta:
        model = User
        fields = list(PREFERENCES)
        widgets = dict.fromkeys(PREFERENCES, forms.RadioSelect)
