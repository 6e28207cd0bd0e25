"""Anonymous readers' pages read from a replica, when one is configured.

Only what forum.pagecache shares goes there: the article's and the questions' pages of
readers without a session, when their copy must be made again. Members, every write and
the moderation desk read the primary, so nobody misses what they just did.

The page's version and then the page are read on the same replica. A replica replays the
primary's commits in order, so the page it shows is never older than the version read
before it, and a copy is never stored under a version newer than what it shows. A
replica that lags shows anonymous readers the site as it was a moment ago (its lag), as
any replica does; the next copy, made after the change replayed, shows it.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"  # the alias forum.settings gives DATABASE_REPLICA_URL

_on_replica: ContextVar[bool] = ContextVar("reads_on_replica", default=False)


@contextmanager
def reads_on_replica():
    """Within this block, reads go to the replica if there is one (writes never do)."""
    if not settings.DATABASE_REPLICA_URL:
        yield
        return
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


class ReplicaRouter:
    """Reads inside reads_on_replica() to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _on_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, replicated

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
