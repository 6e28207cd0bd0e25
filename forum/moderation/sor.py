"""Statements of reasons (DSA art. 17) in the shape the EU DSA Transparency Database takes
them (art. 24(5)): one JSON object per restriction, written as JSON Lines, for staff to
submit (its API or webform) or keep.

Where the field names and values come from — the Transparency Database's API documentation,
API v2 (in force since 1 July 2025), https://transparency.dsa.ec.europa.eu/page/api-documentation,
whose text and rules are in github.com/digital-services-act/transparency-database:
  - resources/markdown/api-documentation-two.md (commit ea9109063034, and the later revision
    that adds ``content_id``): every attribute, the 16 categories, the keywords, the date
    format YYYY-MM-DD and its limits, the puid's characters;
  - app/Models/Statement.php: the values the documentation lists from it (decision
    visibilities, accounts, provisions, grounds, content types, source types, automated
    decisions);
  - app/Services/GroupedSubmissionsService.php (commit 242ba47f396a): the validation rules
    (required, required_if, required_without_all, lengths);
  - app/Services/EuropeanCountriesService.php (commit 0f6fa115b038): the EU and EEA lists.
Read on 2 December 2026. tests/data/dsa_sor_schema.json restates them, and
tests/moderation/test_sor_export.py checks every exported line against it.

Which decisions are restrictions here (art. 17(1)): removing an answer or marking it as spam
(content removed); an answer hidden pending review because members' flags or a word rule
caught it (access disabled); pre-moderating a member (partial suspension of the service);
suspending (account suspended until a date); banning and spam-banning (account terminated,
and for a spam-ban every answer removed). A warning restricts nothing, and decisions on
questions concern the publisher's own text: neither has a statement here. Approvals,
restorations, lifted sanctions and appeal outcomes end restrictions rather than impose them.

The Database asks for no personal data: no pseudonym, e-mail or notifier is written. The
moderators' reasons are copied as written (they were written for the person concerned):
staff read the file before submitting it."""

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone, translation

from ..models import Flag, ModerationAction, Notice

Verb = ModerationAction.Verb
Source = ModerationAction.Source

PUID_PREFIX = "agora-action-"
BATCH = 500  # actions read per query; the export streams, whatever its length

# The documented list "for European Economic Area (EEA) use": the site is open to all of it.
EEA = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip

# Documented limits of the free-text attributes.
MAX_FACTS = 5000
MAX_GROUND = 500
MAX_EXPLANATION = 2000

# A hold is a restriction when something caught that answer in particular; the site's
# intake policies (pre-moderation for everyone, or for new members) are not decisions
# about a text.
HOLD_SOURCES = (Source.AUTOMATIC, Source.WORD_RULE)
RESTRICTING_VERBS = (
    Verb.HOLD, Verb.REMOVE, Verb.SPAM, Verb.PREMODERATE, Verb.SUSPEND, Verb.BAN, Verb.SPAM_BAN,
)  # fmt: skip

# What each restriction does, in the Database's terms.
DECISIONS = {
    Verb.HOLD: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]},
    Verb.REMOVE: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]},
    Verb.SPAM: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]},
    Verb.PREMODERATE: {"decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION"},
    Verb.SUSPEND: {"decision_account": "DECISION_ACCOUNT_SUSPENDED"},
    Verb.BAN: {"decision_account": "DECISION_ACCOUNT_TERMINATED"},
    Verb.SPAM_BAN: {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_account": "DECISION_ACCOUNT_TERMINATED",
    },
}

# The category (and keyword, where one fits without claiming more) of a broken rule of the
# site (Flag.Reason, which is also the list of rules)...
RULE_CATEGORIES = {
    Flag.Reason.SPAM: ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", None),
    Flag.Reason.ABUSE: ("STATEMENT_CATEGORY_CYBER_VIOLENCE", "KEYWORD_CYBER_HARASSMENT"),
    Flag.Reason.HATE: ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", None),
    Flag.Reason.OFF_TOPIC: ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", None),
    Flag.Reason.MISINFORMATION: (
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "KEYWORD_MISINFORMATION_DISINFORMATION",
    ),
    Flag.Reason.ILLEGAL: ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", None),
    Flag.Reason.OTHER: ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", None),
}
OTHER_VIOLATION = ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", None)

# ...and of a notice's legal ground, with the law it names (French law: the site's publisher
# is established in France).
NOTICE_GROUNDS = {
    Notice.Ground.HATE_SPEECH: (
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH",
        "Hate speech: incitement to hatred, discrimination or violence (France, law of "
        "29 July 1881 on the freedom of the press, art. 24)",
    ),
    Notice.Ground.DEFAMATION: (
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_DEFAMATION",
        "Defamation (France, law of 29 July 1881 on the freedom of the press, art. 29 and 32)",
    ),
    Notice.Ground.TERRORISM: (
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT",
        "Terrorist content: provocation to or glorification of terrorism (France, Code "
        "pénal, art. 421-2-5; Regulation (EU) 2021/784)",
    ),
    Notice.Ground.CHILD_ABUSE: (
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
        "Child sexual abuse material (France, Code pénal, art. 227-23)",
    ),
    Notice.Ground.PRIVACY: (
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", None,
        "Privacy and personal data (France, Code civil, art. 9; Regulation (EU) 2016/679)",
    ),
    Notice.Ground.INTELLECTUAL_PROPERTY: (
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", None,
        "Intellectual property (France, Code de la propriété intellectuelle, art. L335-2 "
        "and following)",
    ),
    Notice.Ground.OTHER: (
        "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", None,
        "Other illegal content under the applicable law, as notified",
    ),
}  # fmt: skip

# What was done, and what led to it, said plainly for the statement's facts.
DONE = {
    Verb.HOLD: "The site hid the answer from readers until a moderator reviews it",
    Verb.REMOVE: "A moderator removed the answer (its place in the thread says so; replies "
    "to it stay)",
    Verb.SPAM: "A moderator removed the answer as spam",
    Verb.PREMODERATE: "A moderator put the member under pre-moderation: each of their "
    "answers waits for a moderator before it is published",
    Verb.SUSPEND: "A moderator suspended the member's account: until the end date they may "
    "read but not answer, reply, vote or flag",
    Verb.BAN: "A moderator banned the member: they may read but no longer answer, reply, "
    "vote or flag",
    Verb.SPAM_BAN: "A moderator banned the member as a spammer and removed every answer of "
    "theirs as spam",
}
LED_BY = {
    Source.OWN_INITIATIVE: "on the moderator's own initiative",
    Source.FLAG: "after flags from members",
    Source.AUTOMATIC: "automatically, once the flags of members on it weighed enough",
    Source.NOTICE: "after a notice of illegal content (DSA art. 16)",
    Source.WORD_RULE: "after a word rule of the site matched its text",
    Source.APPEAL: "on appeal",
}
SITE_RULES = "Agora's discussion rules"


def restrictions():
    """The log's restrictions (see the module's docstring), oldest first."""
    return ModerationAction.objects.filter(
        Q(verb__in=[verb for verb in RESTRICTING_VERBS if verb != Verb.HOLD])
        | Q(verb=Verb.HOLD, source__in=HOLD_SOURCES)
    ).order_by("created_at", "pk")


def statements(since: date | None = None) -> Iterator[dict]:
    """Every restriction decided on ``since`` or later (the site's days), as the Database's
    statements; a few queries per BATCH of them."""
    actions = (
        restrictions().select_related("answer", "member").defer("answer__body", "answer__body_html")
    )
    if since is not None:
        zone = timezone.get_default_timezone()
        start = timezone.make_aware(datetime(since.year, since.month, since.day), zone)
        actions = actions.filter(created_at__gte=start)
    last = None
    while True:
        page = (
            actions
            if last is None
            else actions.filter(
                Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, pk__gt=last.pk)
            )
        )
        batch = list(page[:BATCH])
        if not batch:
            return
        notices = _notices_of(batch)
        flagged = _flag_reasons_of(batch)
        for action in batch:
            yield statement_of(
                action, notice=notices.get(action.pk), flag_reason=flagged.get(action.pk)
            )
        last = batch[-1]


def as_json_lines(items: Iterable[dict]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"


def statement_of(
    action: ModerationAction, *, notice: Notice | None = None, flag_reason: str | None = None
) -> dict:
    """One restriction as the Database's statement. ``notice``: the notice it decided, if
    any; ``flag_reason``: for a hold on flags, the reason most of them gave."""
    with translation.override("en"):
        return _statement(action, notice, flag_reason)


def _statement(action, notice, flag_reason) -> dict:
    statement = dict(DECISIONS[action.verb])
    rule = action.rule or (flag_reason or "")
    # A hold on flags decides nothing about the rule the flags name: it waits for a moderator.
    alleged = not action.rule and bool(flag_reason)
    if notice is not None:
        category, keyword, legal_ground = NOTICE_GROUNDS[notice.ground]
        statement |= {
            "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
            "illegal_content_legal_ground": legal_ground[:MAX_GROUND],
            "illegal_content_explanation": _clip(
                action.reason
                or f"Notified as {notice.get_ground_display()}; the moderators found the "
                "notice well-founded.",
                MAX_EXPLANATION,
            ),
        }
    else:
        category, keyword = RULE_CATEGORIES.get(rule, OTHER_VIOLATION)
        ground = f"{SITE_RULES}: {_rule_label(rule)}" if rule else SITE_RULES
        if alleged and rule:
            ground += " (as flagged by members)"
        statement |= {
            "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            "incompatible_content_ground": ground[:MAX_GROUND],
            "incompatible_content_explanation": _clip(
                action.reason or f"{DONE[action.verb]}. Decided {LED_BY[action.source]}.",
                MAX_EXPLANATION,
            ),
        }
        if rule == Flag.Reason.ILLEGAL and not alleged:
            statement["incompatible_content_illegal"] = "Yes"
    statement["category"] = category
    if keyword:
        statement["category_specification"] = [keyword]

    if action.answer_id:
        statement |= {
            "content_type": ["CONTENT_TYPE_TEXT"],
            "content_date": _day(action.answer.created_at),
        }
    else:
        # A sanction is on the account; a spam-ban removes the account's texts too.
        kinds = ["CONTENT_TYPE_OTHER"]
        if action.verb == Verb.SPAM_BAN:
            kinds.append("CONTENT_TYPE_TEXT")
        statement |= {
            "content_type": kinds,
            "content_type_other": "Account",
            "content_date": _day(action.member.date_joined),
        }
    statement |= {
        "territorial_scope": list(EEA),
        "application_date": _day(action.created_at),
        "decision_facts": _facts(action, rule, notice, alleged),
        "source_type": _source_type(action, notice),
        # Detected by a machine only when a word rule caught it: flags and notices are people.
        "automated_detection": "Yes" if action.source == Source.WORD_RULE else "No",
        # Taken by a machine only when the site acted alone (no moderator on the entry).
        "automated_decision": (
            "AUTOMATED_DECISION_FULLY" if action.actor_id is None
            else "AUTOMATED_DECISION_NOT_AUTOMATED"
        ),
        "puid": f"{PUID_PREFIX}{action.pk}",
    }  # fmt: skip
    if action.verb == Verb.SUSPEND and action.until:
        statement["end_date_account_restriction"] = _day(action.until)
    return statement


def _source_type(action, notice) -> str:
    if notice is not None or action.source == Source.NOTICE:
        return "SOURCE_ARTICLE_16"
    if action.source in (Source.FLAG, Source.AUTOMATIC):
        # Members' flags are notifications, though not notices under art. 16.
        return "SOURCE_TYPE_OTHER_NOTIFICATION"
    return "SOURCE_VOLUNTARY"


def _facts(action, rule, notice, alleged) -> str:
    led_by = LED_BY[Source.NOTICE] if notice is not None else LED_BY[action.source]
    facts = f"{DONE[action.verb]}. Decided {led_by}."
    if notice is not None:
        facts += f" Legal ground notified: {notice.get_ground_display()}."
    elif alleged:
        facts += f" Reason most flags gave: {_rule_label(rule)}."
    elif rule:
        facts += f" Rule broken: {_rule_label(rule)}."
    if action.verb == Verb.SUSPEND and action.until:
        facts += f" Suspended until {_day(action.until)}."
    if action.reason:
        facts += f" Reason given to the member: {action.reason}"
    return _clip(facts, MAX_FACTS)


def _rule_label(rule: str) -> str:
    return str(Flag.Reason(rule).label) if rule in Flag.Reason.values else rule


def _day(moment: datetime) -> str:
    """The site's calendar day of ``moment``, as YYYY-MM-DD."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().isoformat()


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _notices_of(actions) -> dict[int, Notice]:
    """The notice each action decided (the first, when one decision answered several). A
    notice that came after the removal it is marked with (the answer was gone already) did
    not lead to it: that removal keeps its own ground."""
    when = {action.pk: action.created_at for action in actions}
    found = {}
    notices = Notice.objects.filter(decision__in=actions).only(
        "pk", "ground", "created_at", "decision_id"
    )
    for notice in notices.order_by("pk"):
        if notice.created_at <= when[notice.decision_id]:
            found.setdefault(notice.decision_id, notice)
    return found


def _flag_reasons_of(actions) -> dict[int, str]:
    """For each hold on flags, the reason most flags made before it gave (the rules' order
    breaks a tie)."""
    holds = [a for a in actions if a.verb == Verb.HOLD and a.source == Source.AUTOMATIC]
    if not holds:
        return {}
    flags = Flag.objects.filter(answer__in=[hold.answer_id for hold in holds]).values_list(
        "answer_id", "reason", "created_at"
    )
    by_answer = {}
    for answer_id, reason, created_at in flags:
        by_answer.setdefault(answer_id, []).append((reason, created_at))
    order = {reason: i for i, reason in enumerate(Flag.Reason.values)}
    reasons = {}
    for hold in holds:
        counted = Counter(
            reason for reason, at in by_answer.get(hold.answer_id, []) if at <= hold.created_at
        )
        if counted:
            reasons[hold.pk] = min(counted, key=lambda r: (-counted[r], order.get(r, 99)))
    return reasons
