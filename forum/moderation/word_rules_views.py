"""The word rules' page: staff list, add and delete the rules, and try a text against them.
For staff past their second factor (a moderator who is not staff is refused). Every change
makes each process rebuild its matcher (forum.moderation.words.rules_changed)."""

import functools
import unicodedata

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ..models import WordRule
from ..views.access import MAX_ID
from . import words
from .access import moderator_required

TEMPLATE = "moderation/word_rules.html"
LABEL_MAX_LENGTH = 100  # WordRule.label's column


def staff_required(view):
    """Under ``moderator_required``: the rules shape what everyone may write, so only staff
    change them (or read them: a list of slurs is no reading for every moderator)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff members manage the word rules."))
        return view(request, *args, **kwargs)

    return wrapped


class WordRuleForm(forms.Form):
    pattern = forms.CharField(max_length=words.PATTERN_MAX_LENGTH)
    action = forms.ChoiceField(choices=WordRule.Action.choices)
    label = forms.CharField(max_length=LABEL_MAX_LENGTH)

    def clean_pattern(self):
        # Composed accents: "é" typed as "e" and a combining accent is one letter too.
        pattern = unicodedata.normalize("NFC", " ".join(self.cleaned_data["pattern"].split()))
        if not words.is_valid_pattern(pattern):
            raise forms.ValidationError(
                _(
                    "Write letters, spaces, apostrophes or hyphens only, with at most one "
                    "“*” at the very end."
                )
            )
        key = words.canonical(pattern)
        for rule in WordRule.objects.only("pattern"):
            if words.canonical(rule.pattern) == key:
                raise forms.ValidationError(
                    _("A rule for these words already exists: “%(pattern)s”.")
                    % {"pattern": rule.pattern}
                )
        return pattern


class TryForm(forms.Form):
    sample = forms.CharField(max_length=settings.ANSWER_MAX_LENGTH, strip=False)

    def clean_sample(self):
        sample = self.cleaned_data["sample"]
        if not sample.strip():
            raise forms.ValidationError(_("Paste a text to try."))
        return sample


def _page(request, *, form=None, trial=None, status=200):
    rules = list(WordRule.objects.select_related("created_by"))
    context = {
        "form": form or WordRuleForm(initial={"action": WordRule.Action.REVIEW}),
        "try_form": trial["form"] if trial else TryForm(),
        "trial": trial,
        "blocking": [rule for rule in rules if rule.action == WordRule.Action.BLOCK],
        "reviewing": [rule for rule in rules if rule.action != WordRule.Action.BLOCK],
        "actions": WordRule.Action.choices,
        "pattern_max": words.PATTERN_MAX_LENGTH,
        "label_max": LABEL_MAX_LENGTH,
        "sample_max": settings.ANSWER_MAX_LENGTH,
    }
    return render(request, TEMPLATE, context, status=status)


@require_safe
@moderator_required
@staff_required
def word_rules(request):
    """The rules, the form that adds one, and the box that tries a text."""
    return _page(request)


@require_POST
@moderator_required
@staff_required
def add_word_rule(request):
    """A new rule; the form comes back with its error (and what was typed) when refused."""
    form = WordRuleForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                rule = WordRule.objects.create(created_by=request.user, **form.cleaned_data)
        except IntegrityError:  # the same words, added at the same moment by someone else
            form.add_error("pattern", _("A rule for these words already exists."))
        else:
            words.rules_changed()
            messages.success(request, _("Rule “%(pattern)s” added.") % {"pattern": rule.pattern})
            return redirect("moderation:word_rules")
    return _page(request, form=form, status=400)


@require_POST
@moderator_required
@staff_required
def delete_word_rule(request, pk):
    """Delete a rule. Answers it sent to review stay in the queue, without it."""
    if pk > MAX_ID:
        raise Http404(_("There is no such word rule."))
    rule = get_object_or_404(WordRule, pk=pk)
    rule.delete()
    words.rules_changed()
    messages.success(request, _("Rule “%(pattern)s” deleted.") % {"pattern": rule.pattern})
    return redirect("moderation:word_rules")


@require_POST
@moderator_required
@staff_required
def try_word_rules(request):
    """Which rule a text breaks and where, as an answer's author would be told (the text is
    neither kept nor logged). A POST: a text up to an answer's length is no address."""
    form = TryForm(request.POST)
    trial = {"form": form}
    status = 200
    if form.is_valid():
        sample = form.cleaned_data["sample"]
        found = words.every_match(sample)
        spans = [span for match in found for span in match.spans]
        trial |= {"matches": found, "marked": words.mark_text(sample, spans)}
    else:
        status = 400
    if request.htmx:
        return render(request, f"{TEMPLATE}#try-result", {"trial": trial}, status=status)
    return _page(request, trial=trial, status=status)
