"""allauth's account forms as this site shows them (ACCOUNT_FORMS, MFA_FORMS).

Each field has one visible label; allauth's placeholders only repeated it (or said
something else: "Courriel" over "Adresse e-mail") and vanish as soon as one types, so
they go. The pseudonym says it is public.
"""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

EMAIL_LABEL = _("E-mail address")
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit, and the length of the columns that keep it


class PlainFieldsMixin:
    """Labels say what to type: no placeholders, one name for the e-mail field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
            # Members sign in with their address (ACCOUNT_LOGIN_METHODS), so "login" is one too.
            if isinstance(field, forms.EmailField):
                field.label = EMAIL_LABEL
                field.error_messages["invalid"] = _("Enter a valid e-mail address.")
                # An address longer than the column would be stored cut: refuse it whole.
                field.max_length = EMAIL_MAX_LENGTH
                field.validators.append(MaxLengthValidator(EMAIL_MAX_LENGTH))
                field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)


class NewPasswordLabelsMixin:
    """Labels written like the site's others (sentence case): "New password"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "oldpassword": _("Current password"),
            "password1": _("New password"),
            "password2": _("New password (again)"),
        }
        for name, label in labels.items():
            if name in self.fields:
                self.fields[name].label = label


class LoginForm(PlainFieldsMixin, account_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me")


class SignupForm(PlainFieldsMixin, account_forms.SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = _("Pseudonym")
        username.help_text = _(
            "Public: it is shown on every answer you post. At least 3 characters: "
            "letters, digits and the signs @.+-_"
        )

    def try_save(self, request):
        """Create the account; if another sign-up took this pseudonym (or one like it) or
        this address between the checks and now, answer as if it had been taken before:
        the form again with the error, or the "check your e-mail" page. Never a 500."""
        if self.account_already_exists:
            # A new account's password is hashed, slow on purpose: take that time here
            # too, so the wait does not tell that the address has an account either.
            make_password(self.cleaned_data.get("password1"))
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            self.full_clean()  # the other sign-up is there now: the checks see it
            if self.is_valid():
                return super().try_save(request)
            from allauth.account.views import SignupView  # the view imports these forms

            view = SignupView()
            view.setup(request)
            return None, view.form_invalid(self)


class AddEmailForm(PlainFieldsMixin, account_forms.AddEmailForm):
    pass


class ChangePasswordForm(
    NewPasswordLabelsMixin, PlainFieldsMixin, account_forms.ChangePasswordForm
):
    pass


class SetPasswordForm(PlainFieldsMixin, account_forms.SetPasswordForm):
    pass


class ResetPasswordForm(PlainFieldsMixin, account_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(
    NewPasswordLabelsMixin, PlainFieldsMixin, account_forms.ResetPasswordKeyForm
):
    pass


class ReauthenticateForm(PlainFieldsMixin, account_forms.ReauthenticateForm):
    pass


class AuthenticateForm(PlainFieldsMixin, mfa_forms.AuthenticateForm):
    pass


class MfaReauthenticateForm(PlainFieldsMixin, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(PlainFieldsMixin, totp_forms.ActivateTOTPForm):
    pass
