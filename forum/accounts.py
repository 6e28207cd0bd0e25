"""How django-allauth behaves on this site."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress


class AccountAdapter(DefaultAccountAdapter):
    pass


def has_verified_email(user) -> bool:
    """Posting needs a confirmed address; reading does not."""
    return user.is_authenticated and EmailAddress.objects.filter(user=user, verified=True).exists()
