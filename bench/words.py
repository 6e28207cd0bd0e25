"""How long word rules take: 1,000 rules against a 10,000-character answer.

The rules are made-up French-looking words (a fifth with a trailing ``*``, a tenth of two
words, half blocking, half sending to review), saved in bulk. The answer is French prose,
10,000 characters with accents, elisions and typographic apostrophes, which no rule hits
(every word is read to the end: the slowest case), then the same with a rule's word at its
very end. Figures:
  compile_ms          building the matcher from the rules in memory (median of --repeat);
  rebuild_ms          what a process pays once after a change: reading the rules from
                      the database and compiling them (median of 5);
  match_median_ms,    ``forum.moderation.words.match()`` on the answer, as the site calls
  match_p95_ms        it (the version check in the cache included), over --repeat calls
                      after one warm-up;
  hit_at_end_median_ms  the same, for the answer whose last word breaks a rule;
  highlight_ms        the queue's highlighting of that answer's HTML with its rule.
"""

import random
import statistics
import time

RULES = 1_000
ANSWER_LENGTH = 10_000
# Made-up words are a few of these, glued.
SYLLABLES = (
    "ba bé bi bo bu ca ché ci co cu da dé di do du fa fé fi fo ga gé gi go la lé li lo lu "
    "ma mé mi mo mu na né ni no nu pa pé pi po pu ra ré ri ro ru sa sé si so su ta té ti "
    "to tu va vé vi vo vu za zé zo gn ill oin eau ou an en on in"
)
PROSE = (
    "Le rapport de l’ASPI mesure surtout la recherche publiée, pas la capacité industrielle"
    " qu’on prête à la Chine. D’après ses auteurs, l’avance s’explique par l’effort public ;"
    " j’ajouterais qu'il faut regarder la qualité des brevets, n’en déplaise à certains."
    " C’est un débat où l’Europe, elle, reste discrète. Élargir la comparaison aux"
    " États-Unis montrerait peut-être autre chose : m’est avis que les chiffres de 2023"
    " t’apprendront plus que ceux de 2019, même si ça reste à vérifier.\n\n"
)


def _made_up_word(rng: random.Random) -> str:
    syllables = SYLLABLES.split()
    return "".join(rng.choice(syllables) for _ in range(rng.randint(3, 5)))


def _rules(rng: random.Random) -> list:
    from forum.models import WordRule

    patterns: set[str] = set()
    while len(patterns) < RULES:
        word = _made_up_word(rng)
        roll = rng.random()
        if roll < 0.2:
            word += "*"
        elif roll < 0.3:
            word = f"{_made_up_word(rng)} {word}"
        patterns.add(word)
    return [
        WordRule(pattern=pattern, action="block" if n % 2 else "review", label=f"Règle {n}")
        for n, pattern in enumerate(sorted(patterns))
    ]


def _timed(call, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def run(*, repeat: int, log) -> dict:
    from forum.markdown import render_markdown
    from forum.models import WordRule
    from forum.moderation import words

    rng = random.Random(12)
    WordRule.objects.all().delete()
    WordRule.objects.bulk_create(_rules(rng))
    rules = list(WordRule.objects.order_by("pk"))
    words.rules_changed()
    answer = (PROSE * (ANSWER_LENGTH // len(PROSE) + 1))[:ANSWER_LENGTH]
    assert words.match(answer) is None, "the prose must break no rule"
    last = next(rule for rule in rules if rule.action == "review" and " " not in rule.pattern)
    hit_word = last.pattern.rstrip("*") + ("ment" if last.pattern.endswith("*") else "")
    hit = answer[: ANSWER_LENGTH - len(hit_word) - 1] + " " + hit_word
    assert words.match(hit) is not None, hit_word

    log(f"words: {RULES} rules, an answer of {len(answer)} characters…")
    compile_ms = _timed(lambda: words.Matcher(rules), max(5, repeat // 3))

    def rebuild():
        words.rules_changed()
        words.current_matcher()

    rebuild_ms = _timed(rebuild, 5)
    words.match(answer)  # warm-up: the fold table, the version in the cache
    match_ms = _timed(lambda: words.match(answer), repeat)
    hit_ms = _timed(lambda: words.match(hit), repeat)
    html = render_markdown(hit)
    highlight_ms = _timed(lambda: words.highlight(html, [last]), max(5, repeat // 3))
    return {
        "rules": RULES,
        "answer_chars": len(answer),
        "compile_ms": round(statistics.median(compile_ms), 2),
        "rebuild_ms": round(statistics.median(rebuild_ms), 2),
        "match_median_ms": round(statistics.median(match_ms), 3),
        "match_p95_ms": round(match_ms[int(0.95 * (len(match_ms) - 1))], 3),
        "hit_at_end_median_ms": round(statistics.median(hit_ms), 3),
        "highlight_ms": round(statistics.median(highlight_ms), 2),
    }
