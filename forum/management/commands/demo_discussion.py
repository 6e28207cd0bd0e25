"""Fill the shipped article's discussions with demo members, answers and votes."""

import random
import re
import unicodedata
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from articles.models import Article, Question
from forum.accounts import username_skeleton
from forum.answers import do_post_answer
from forum.models import Answer, Flag, ModerationAction, User, Vote
from forum.moderation.actions import do_flag
from forum.voting import do_set_vote

ARTICLE_SLUG = "kling-aspi-chine-technologies-critiques"
DEMO_DOMAIN = "demo.agora.invalid"  # .invalid: these addresses can never receive mail
DEMO_PASSWORD = "demo-password"  # noqa: S105 (local demo accounts, printed on purpose)
DEMO_DAYS = 4  # the discussion spreads over the last days, busiest just after publication
DEEPEST = 8  # a few chains reach this depth: deep enough to show indentation giving up
TRACKER = "[le Critical Technology Tracker de l’ASPI](https://techtracker.aspi.org.au/)"

PSEUDONYMS = [
    "Camille_R", "HugoB", "LéaMartin", "Mathis.D", "Inès_L", "NathanG", "ChloéP", "LucasV",
    "Manon33", "Théo_Lyon", "SarahK", "JulesF", "ZoéM", "Antoine.B", "ÉmilieT", "RaphaëlC",
    "Clara_N", "Maxime.R", "JadeLefort", "LouisPerrin", "AliceDurand", "PaulineH", "YanisB",
    "MargauxS", "GabrielA", "LinaZ", "TomGirard", "EvaRoux", "NoahFaure", "ÉlodieM",
    "Bastien_T", "Océane.L", "ArthurV", "Yasmine_K", "Quentin56", "MaëlysD", "KevinLemaire",
    "Anaïs.G", "Dr_Morel", "FlorianC", "SolèneB", "VictorHugues", "JeanneP_", "Mehdi.A",
    "CharlotteW", "Baptiste_R", "Nolwenn29", "AdrienF",
]  # fmt: skip

# What a top-level answer to each question (by position) opens with.
OPENINGS = {
    1: [
        "Le rapport de l’ASPI mesure la recherche publiée, pas la puissance industrielle : il "
        "faut le lire comme un *indicateur avancé*, pas comme un classement définitif.",
        "Ma lecture : la Chine a gagné la bataille du volume et commence à gagner celle de la "
        "qualité. Les 10 % d’articles les plus cités, c’est un signal fort.",
        f"Je le lis comme un avertissement adressé aux alliés des États-Unis, d’où le ton assez "
        f"alarmiste du document. Les données sont consultables sur {TRACKER}.",
        "C’est un think tank australien financé en partie par des gouvernements occidentaux : "
        "ça ne rend pas le rapport faux, mais ça explique le cadrage très « sécurité ».",
        "Ce que je retiens surtout, c’est la notion de **risque de monopole** : dans certains "
        "domaines, les dix premières institutions mondiales sont toutes chinoises.",
    ],
    2: [
        "Compter les publications les plus citées avantage mécaniquement les pays qui publient "
        "le plus. La méthode est transparente, mais elle a ce biais.",
        "Il manque les brevets, les parts de marché et la capacité de production. Un article "
        "très cité ne fait pas une usine de semi-conducteurs.",
        "Les critères sont discutables, mais au moins ils sont publics et reproductibles, ce qui "
        "n’est pas le cas de beaucoup de classements.",
        "Le choix des 64 technologies est lui-même un parti pris : pourquoi les vaccins et pas "
        "l’agronomie, pourquoi l’hydrogène et pas le nucléaire civil ?",
        "Ce qui me gêne, c’est l’auto-citation. Des équipes nationales qui se citent entre "
        "elles peuvent gonfler le top 10 % sans que la qualité suive.",
    ],
    3: [
        "Pas vraiment surpris : la Chine investit **massivement** dans la recherche depuis vingt "
        "ans, et forme plus d’ingénieurs que n’importe quel autre pays.",
        "Surpris par l’ampleur, oui. 52 domaines sur 64, c’est beaucoup plus que ce que "
        "j’imaginais il y a cinq ans.",
        "Non, et Kling le montre bien : quelques mois après Sora, un modèle chinois comparable "
        "est déjà disponible, sur liste d’attente.",
        "Pas surpris quand on se souvient du plan *Made in China 2025* : les domaines où elle "
        "domine sont presque exactement ceux qu’il désignait.",
        "Surpris, non. Inquiet, un peu : on a longtemps cru que la Chine copiait, elle publie "
        "maintenant la recherche que les autres citent.",
    ],
    4: [
        "L’Union européenne finance beaucoup de recherche mais transforme trop peu ses résultats "
        "en entreprises. C’est ça, le vrai sujet.",
        "Que l’Europe n’apparaisse nulle part en tête est inquiétant. Nous restons forts en "
        "recherche fondamentale, mais dispersés.",
        "Il faudrait additionner les pays européens pour comparer ce qui est comparable : "
        "l’Allemagne, la France et les Pays-Bas ensemble pèsent davantage.",
        "Le Royaume-Uni et l’Inde apparaissent plus souvent dans le top 5 que la France. Ça "
        "devrait faire réfléchir à Bruxelles comme à Paris.",
        "L’Europe a ASML, sans qui personne ne grave les puces les plus fines. Ce n’est pas "
        "rien, même si le classement ne le voit pas.",
    ],
    5: [
        "Oui : les sanctions ont surtout accéléré l’effort chinois. Le fonds de 27 milliards "
        "pour les puces en est la conséquence directe.",
        "À court terme les sanctions freinent, à long terme elles poussent à l’autonomie. "
        "Huawei en est l’exemple le plus cité.",
        "Je suis plus nuancé : sans les machines de lithographie les plus avancées, l’avance "
        "chinoise restera fragile sur les semi-conducteurs.",
        "Les sanctions ont un effet pervers : elles garantissent un marché intérieur captif aux "
        "fabricants chinois, qui n’ont plus de concurrents américains.",
        "Non. Le rapport mesure la recherche jusqu’en 2022 : les sanctions les plus dures sont "
        "postérieures, on n’en voit pas encore les effets.",
    ],
}
# What an answer may go on with, per question, after its opening.
FOLLOW_UPS = {
    1: [
        "Sur l’IA, par exemple, les États-Unis gardent les modèles les plus utilisés.",
        "Il faudrait le relire dans deux ans pour voir si la tendance se confirme.",
        "> la Chine présente un « risque monopolistique »\n\nLa formule est forte, mais "
        "elle est étayée.",
    ],
    2: [
        "Un indicateur composite, avec les brevets et les exportations, serait plus parlant.",
        "À ma connaissance, la fenêtre est de cinq ans : 2018-2022 dans la dernière version.",
        f"Le détail par technologie est en ligne : {TRACKER}.",
    ],
    3: [
        "Les batteries et les panneaux solaires étaient des signaux évidents depuis longtemps.",
        "Ce qui surprend davantage, c’est la vitesse : l’écart s’est creusé en vingt ans.",
        "Kling et Sora montrent que l’écart en vidéo générée se compte en mois, pas en années.",
    ],
    4: [
        "Horizon Europe, c’est près de 100 milliards : l’argent n’est donc pas le seul problème.",
        "On forme d’excellents chercheurs, puis ils partent dans la Silicon Valley.",
        "Le *Chips Act* européen va dans le bon sens, mais à une tout autre échelle.",
    ],
    5: [
        "Le « Big Fund » est déjà le troisième du genre : l’État planifie sur le long terme.",
        "Les sanctions ont aussi coûté cher aux entreprises américaines, on l’oublie souvent.",
        "Trois effets à distinguer :\n\n- le retard immédiat\n- la substitution locale\n"
        "- la méfiance durable des clients étrangers",
    ],
}
# What replies argue about, per question: "Je ne suis pas d’accord avec vous sur …".
POINTS = {
    1: ["la lecture « sécuritaire » du rapport", "le poids des citations", "le ton alarmiste"],
    2: ["le biais des citations", "le choix des 64 technologies", "l’absence des brevets"],
    3: ["l’effet de surprise", "le rôle de Kling", "la formation des ingénieurs"],
    4: ["la place de l’Europe", "l’addition des pays européens", "le rôle d’ASML"],
    5: ["l’effet des sanctions", "le fonds de 27 milliards", "le cas de Huawei"],
}
# A reply opens by answering its parent, then may add an argument of its own.
REPLY_OPENERS = [
    "Je ne suis pas d’accord avec vous sur {point} : vous tirez beaucoup d’un seul chiffre.",
    "Je ne suis pas d’accord avec vous sur {point}, et le rapport lui-même est plus prudent.",
    "@{parent} Tout à fait d’accord sur {point}, et on pourrait ajouter la question de l’énergie.",
    "Avez-vous une source sur {point} ? Je ne la retrouve pas dans le rapport.",
    "C’est exactement ce que dit le rapport sur {point}, page après page.",
    "Nuance importante sur {point} : *publier* beaucoup n’est pas *produire* beaucoup.",
    "Merci @{parent}, je n’avais pas vu {point} sous cet angle.",
    "Sur {point}, je vous rejoins à moitié seulement.",
    "> {quote}\n\nPas si simple : tout dépend de ce qu’on entend par {point}.",
    "@{parent} vous allez un peu vite sur {point}.",
    "Je nuance : le rapport parle de **risque** de monopole, pas de domination acquise.",
    "Exactement. Et sur {point}, les chiffres de l’an dernier allaient déjà dans ce sens.",
]


class Command(BaseCommand):
    help = "Make demo members and a lively threaded discussion on the shipped article."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=40, help=f"2 to {len(PSEUDONYMS)}")
        parser.add_argument("--answers", type=int, default=150)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--reset", action="store_true", help="remove the demo first")

    def handle(self, *args, members, answers, seed, reset, **options):
        if not 2 <= members <= len(PSEUDONYMS):
            # Two at least, so that nobody has to answer themselves.
            raise CommandError(f"--members must be between 2 and {len(PSEUDONYMS)}.")
        if answers < 1:
            raise CommandError("--answers must be at least 1.")
        article = Article.objects.published().filter(slug=ARTICLE_SLUG).first()
        if article is None:
            raise CommandError(
                f"The shipped article ({ARTICLE_SLUG}) is not published: run `make run` or "
                "`manage.py import_article --publish articles/content/kling-aspi-2024-06.toml` "
                "first."
            )
        questions = list(article.questions.filter(state=Question.State.OPEN))
        if not questions:
            raise CommandError("The shipped article has no open question to discuss.")
        demo_members = User.objects.filter(email__endswith="@" + DEMO_DOMAIN)
        if reset:
            self._reset(article, demo_members)
        elif demo_members.exists():
            raise CommandError("The demo is already there: add --reset to make it again.")
        rng = random.Random(seed)
        # Demo members stand for the site's regulars: their links are published at once,
        # where a real newcomer's would wait for review (TRUST_LINKS_LEVEL).
        with transaction.atomic(), override_settings(TRUST_LINKS_LEVEL="new"):
            people = self._members(members)
            made = self._discussion(questions, people, answers, rng)
            votes = self._votes(made, people, rng)
            flags = self._flags(made, people, rng)
        self.stdout.write(
            f"{len(people)} demo members, {len(made)} answers, {votes} votes and {flags} flags "
            f"on “{article}”.\n"
            f"Demo members sign in with their e-mail (e.g. {people[0].email}) and the "
            f"password “{DEMO_PASSWORD}”: for local demonstration only."
        )

    def _reset(self, article, demo_members):
        theirs = Answer.objects.filter(author__in=demo_members)
        if Answer.objects.filter(parent__in=theirs).exclude(author__in=demo_members).exists():
            raise CommandError("Real members replied to demo answers: the demo cannot be removed.")
        if ModerationAction.objects.filter(
            Q(answer__in=theirs) | Q(member__in=demo_members)
        ).exists():
            raise CommandError(
                "Moderators decided on demo answers or members, and the moderation log is "
                "never erased: the demo cannot be removed."
            )
        with transaction.atomic():
            Vote.objects.filter(Q(user__in=demo_members) | Q(answer__in=theirs)).delete()
            Flag.objects.filter(Q(reporter__in=demo_members) | Q(answer__in=theirs)).delete()
            # Answers protect their parent and their thread's root: unhook, then replies first.
            theirs.update(root=None)
            for depth in sorted(set(theirs.values_list("depth", flat=True)), reverse=True):
                theirs.filter(depth=depth).delete()
            demo_members.delete()
            for question in article.questions.all():
                question.answer_count = question.answers.filter(
                    status=Answer.Status.PUBLISHED
                ).count()
                question.save(update_fields=["answer_count"])

    def _members(self, count):
        # One hash for all: hashing a password takes most of a second, on purpose.
        password = make_password(DEMO_PASSWORD)
        people = []
        for name in PSEUDONYMS[:count]:
            ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
            email = f"{ascii_name.lower().replace('.', '-').strip('_')}@{DEMO_DOMAIN}"
            user = User.objects.create(
                username=name,
                username_skeleton=username_skeleton(name),
                email=email,
                password=password,
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            people.append(user)
        return people

    def _discussion(self, questions, people, count, rng):
        made: list[Answer] = []
        by_pk: dict[int, Answer] = {}
        start = timezone.now() - timedelta(days=DEMO_DAYS)
        span = timedelta(days=DEMO_DAYS, hours=-1)
        for n in range(count):
            # Every question gets answers early on, then the talk goes where it goes.
            early = n < len(questions) * 2
            question = questions[n % len(questions)] if early else rng.choice(questions)
            threads = [a for a in made if a.question_id == question.pk and a.depth < DEEPEST]
            author = rng.choice(people)
            if not threads or rng.random() < 0.3:
                parent = None
                body = self._opening(question.position, rng)
            else:
                # Deep chains happen: prefer the latest answers as parents.
                parent = rng.choice(threads[-6:] if rng.random() < 0.5 else threads)
                grandparent = by_pk.get(parent.parent_id)
                if grandparent and grandparent.author_id != parent.author_id and rng.random() < 0.4:
                    # A duel: whoever was contradicted answers back.
                    author = next(p for p in people if p.pk == grandparent.author_id)
                elif author.pk == parent.author_id:
                    author = rng.choice([p for p in people if p.pk != author.pk])
                body = self._reply(question.position, parent, people, rng)
            answer, _created = do_post_answer(
                author=author, question=question, body=body, parent=parent
            )
            # Written in order, busiest at first: jittered, but never before its parent.
            share = ((n + rng.random()) / count) ** 1.6
            moment = start + span * share
            Answer.objects.filter(pk=answer.pk).update(created_at=moment)
            answer.created_at = moment
            made.append(answer)
            by_pk[answer.pk] = answer
        return made

    def _opening(self, position, rng):
        body = rng.choice(OPENINGS.get(position) or OPENINGS[1])
        if rng.random() < 0.5:
            body += "\n\n" + rng.choice(FOLLOW_UPS.get(position) or FOLLOW_UPS[1])
        return body

    def _reply(self, position, parent, people, rng):
        parent_name = next(p.username for p in people if p.pk == parent.author_id)
        body = rng.choice(REPLY_OPENERS).format(
            point=rng.choice(POINTS.get(position) or POINTS[1]),
            parent=parent_name,
            quote=quotable(parent.body),
        )
        if rng.random() < 0.35:
            body += "\n\n" + rng.choice(FOLLOW_UPS.get(position) or FOLLOW_UPS[1])
        return body

    def _votes(self, made, people, rng):
        cast = 0
        for answer in made:
            for voter in rng.sample(people, rng.randint(0, min(8, len(people)))):
                if voter.pk != answer.author_id:
                    do_set_vote(voter=voter, answer=answer, value=rng.choice([1, 1, 1, -1]))
                    cast += 1
        return cast

    def _flags(self, made, people, rng):
        """A few answers flagged by a member or two, for the moderation queue: below the
        weight that hides an answer (demo accounts are new, their flags weigh little)."""
        reasons = [Flag.Reason.OFF_TOPIC, Flag.Reason.MISINFORMATION, Flag.Reason.ABUSE]
        flagged = 0
        for answer in rng.sample(made, min(6, len(made))):
            others = [p for p in people if p.pk != answer.author_id]
            for reporter in rng.sample(others, rng.randint(1, 2)):
                do_flag(reporter=reporter, answer=answer, reason=rng.choice(reasons))
                flagged += 1
        return flagged


def quotable(body: str, limit: int = 100) -> str:
    """The first clause of an answer, plain, short enough to quote in a reply."""
    text = body.split("\n\n")[0].lstrip("> ").replace("*", "")
    text = re.sub(r"^@\S+\s+", "", text)
    text = re.split(r" : |\. |, et ", text)[0].rstrip(".")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text
