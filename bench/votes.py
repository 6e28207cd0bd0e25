"""Vote throughput on PostgreSQL, next to the ceiling of a trivial view on the same server.

A real gunicorn serves the site from a throwaway database; 16 clients (threads,
each signed in as its own member; gunicorn's sync workers close the connection
after each response, so every request opens one) send requests back to back:
to ``/robots.txt`` (a trivial view through the site's whole middleware stack, touching
no database: the ceiling of this server on this machine for a request of the site;
``/livez`` is answered before that stack, forum.middleware.ProbesFirstMiddleware),
votes all on one hot answer, votes spread over many answers, and votes all on a
popular answer that POPULAR_VOTES members voted on before (what a vote costs must not
grow with the votes an answer has). The four scenarios take turns in short slices
(ROUNDS of each), so that the drift of a shared machine's speed does not favour
whichever ran first. Each vote changes the member's vote on that answer (+1, -1 or
0, never the value already there), as the page's buttons do. Afterwards every
answer's counters are checked against its vote rows. The server and clients are
bench/harness.py's.

Run through ``python -m bench`` (make bench), which has already pointed Django
at the benchmark's own database; the server gets the same database.
"""

from bench.harness import (
    ChangingVotes,
    combine,
    gunicorn,
    member_headers,
    rate,
    run_clients,
    server_env,
    signed_in_members,
    worker_count,
)

CLIENTS = 16
SPREAD_ANSWERS = 500
POPULAR_VOTES = 20_000  # votes already on the popular answer, from as many members
ROUNDS = 4  # turns each scenario takes, interleaved with the others


def _server_env(database_url: str) -> dict:
    return server_env(
        database_url,
        # Without REDIS_URL the bench runs its workers each on their own cache: its rate
        # limits are lifted below, so nothing is counted that several workers would share.
        SINGLE_PROCESS="1",
        # The benchmark measures votes, not the abuse limits in front of them.
        RATE_LIMIT_VOTE_MEMBER="100000000/60",
        RATE_LIMIT_VOTE_IP="100000000/60",
    )


def _seed(members: int, answers: int) -> dict:
    """Voters signed in, and answers to vote on."""
    from django.utils import timezone

    from articles.models import Article, Question
    from forum.answers import do_post_answer
    from forum.models import User

    article = Article.objects.create(
        slug="bench-votes", title="Bench", body="Texte.", status="published",
        published_at=timezone.now(),
    )  # fmt: skip
    question = Question.objects.create(article=article, position=1, text="Q ?", slug="q")
    author = User.objects.create_user(username="bench-author", email="author@bench.invalid")
    made = [
        do_post_answer(author=author, question=question, body=f"Réponse {n}.")[0].pk
        for n in range(answers)
    ]
    return {
        "clients": signed_in_members("voter", members),
        "answers": made,
        "popular": _popular(made[-1], POPULAR_VOTES),
    }


def _popular(answer_id: int, votes: int) -> int:
    """Give the answer ``votes`` votes (two up for one down) of as many members, written in
    bulk, with the counters and ranks the vote rows make; return its id."""
    from django.db import transaction

    from forum.models import Answer, User, Vote
    from forum.voting import recount

    with transaction.atomic():
        voters = User.objects.bulk_create(
            User(username=f"bench-crowd{n}", email=f"crowd{n}@bench.invalid") for n in range(votes)
        )
        Vote.objects.bulk_create(
            Vote(user_id=voter.pk, answer_id=answer_id, value=-1 if n % 3 == 2 else 1)
            for n, voter in enumerate(voters)
        )
        Answer.objects.filter(pk=answer_id).update(**recount(answer_id))
    return answer_id


def _check_counters() -> dict:
    from forum.models import Answer, Vote
    from forum.voting import COUNTER_FIELDS, recount

    drift = [
        answer.pk
        for answer in Answer.objects.filter(question__article__slug="bench-votes")
        if recount(answer.pk) != {field: getattr(answer, field) for field in COUNTER_FIELDS}
    ]
    return {"vote_rows": Vote.objects.count(), "answers_with_drift": len(drift)}


def run(database_url: str, *, seconds: float = 8.0, log=print) -> dict:
    if not database_url.startswith(("postgres://", "postgresql://")):
        return {"skipped": "the vote benchmark needs PostgreSQL: set DATABASE_URL"}
    from django.db import connections

    log("votes: seeding…")
    seeded = _seed(CLIENTS, SPREAD_ANSWERS)
    connections.close_all()
    workers = worker_count()
    # Every request as the page's htmx sends it, /robots.txt included.
    clients = [
        {
            **member_headers(member),
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        for member in seeded["clients"]
    ]
    hot = seeded["answers"][0]
    changes = ChangingVotes()  # each vote changes the member's vote, as the page's do

    def trivial(rng, step):
        return "GET", "/robots.txt", None

    def vote_on(answer, rng):
        return "POST", f"/a/{answer}/vote/", f"value={changes.next(rng, answer)}"

    def vote_hot(rng, step):
        return vote_on(hot, rng)

    def vote_spread(rng, step):
        return vote_on(rng.choice(seeded["answers"]), rng)

    def vote_popular(rng, step):
        return vote_on(seeded["popular"], rng)

    scenarios = {"trivial_view": trivial, "vote_one_hot_answer": vote_hot,
                 "vote_spread_over_answers": vote_spread,
                 "vote_popular_answer": vote_popular}  # fmt: skip
    slices: dict[str, list] = {name: [] for name in scenarios}
    with gunicorn(_server_env(database_url), workers=workers) as server:
        # Warm up every worker: its database connections, templates, the function.
        run_clients(server.port, clients, 1.0, trivial)
        run_clients(server.port, clients, 1.0, vote_spread)
        # This shared machine's speed drifts by ±20 % within a minute: the scenarios
        # take turns in short slices, so each ratio compares like with like.
        for round_number in range(1, ROUNDS + 1):
            for name, request_for in scenarios.items():
                log(f"votes: round {round_number}/{ROUNDS}, {name}…")
                slices[name].append(
                    run_clients(server.port, clients, seconds / ROUNDS, request_for)
                )
    results = {name: combine(runs) for name, runs in slices.items()}
    ceiling = results["trivial_view"]
    hot_result = results["vote_one_hot_answer"]
    spread_result = results["vote_spread_over_answers"]
    popular_result = results["vote_popular_answer"]

    def ratios(name):
        pairs = zip(slices[name], slices["trivial_view"], strict=True)
        return [round(rate(run) / rate(base), 3) for run, base in pairs]

    counters = _check_counters()
    return {
        "server": f"gunicorn, {workers} sync workers",
        "clients": CLIENTS,
        "seconds_each": seconds,  # over all rounds
        "trivial_view": ceiling,
        "vote_one_hot_answer": hot_result,
        "vote_spread_over_answers": {**spread_result, "answers": SPREAD_ANSWERS},
        "vote_popular_answer": {**popular_result, "votes_before": POPULAR_VOTES},
        "rounds": ROUNDS,
        "hot_vs_ceiling": round(hot_result["per_second"] / ceiling["per_second"], 3),
        "spread_vs_ceiling": round(spread_result["per_second"] / ceiling["per_second"], 3),
        "popular_vs_ceiling": round(popular_result["per_second"] / ceiling["per_second"], 3),
        # A vote on the popular answer against one on the hot answer of a few votes.
        "popular_vs_hot": round(popular_result["per_second"] / hot_result["per_second"], 3),
        "hot_vs_ceiling_by_round": ratios("vote_one_hot_answer"),
        "spread_vs_ceiling_by_round": ratios("vote_spread_over_answers"),
        "popular_vs_ceiling_by_round": ratios("vote_popular_answer"),
        "counters_after": counters,
        "counters_exact": counters["answers_with_drift"] == 0,
        # Exact counters prove little if votes failed (a 500 writes nothing): say so.
        "all_votes_cast": all(
            result["errors"] == 0 for result in (hot_result, spread_result, popular_result)
        ),
    }
