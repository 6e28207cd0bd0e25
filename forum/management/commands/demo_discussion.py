"""Fill the shipped article's discussions with demo members, answers and votes."""

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import Article
from forum.answers import do_post_answer
from forum.models import Answer, User, Vote
from forum.voting import do_set_vote

ARTICLE_SLUG = "kling-aspi-chine-technologies-critiques"
DEMO_DOMAIN = "demo.agora.invalid"  # .invalid: these addresses can never receive mail
DEMO_PASSWORD = "demo-password"  # noqa: S105 (local demo accounts, printed on purpose)

PSEUDONYMS = [
    "Camille_R", "HugoB", "LéaMartin", "Mathis.D", "Inès_L", "NathanG", "ChloéP", "LucasV",
    "Manon33", "Théo_Lyon", "SarahK", "JulesF", "ZoéM", "Antoine.B", "ÉmilieT", "RaphaëlC",
    "Clara_N", "Maxime.R", "JadeLefort", "LouisPerrin", "AliceDurand", "PaulineH", "YanisB",
    "MargauxS", "GabrielA", "LinaZ", "TomGirard", "EvaRoux", "NoahFaure", "ÉlodieM",
]  # fmt: skip

# Openings, per question position, then general arguments and replies.
OPENINGS = {
    1: [
        "Le rapport de l’ASPI mesure la recherche publiée, pas la puissance industrielle : il "
        "faut le lire comme un indicateur avancé, pas comme un classement définitif.",
        "Ma lecture : la Chine a gagné la bataille du volume et commence à gagner celle de la "
        "qualité. Les 10 % d’articles les plus cités, c’est un signal fort.",
        "Je le lis comme un avertissement adressé aux alliés des États-Unis, d’où le ton assez "
        "alarmiste du document. Voir le tracker : https://techtracker.aspi.org.au/",
    ],
    2: [
        "Compter les publications les plus citées avantage mécaniquement les pays qui publient "
        "le plus. La méthode est transparente, mais elle a ce biais.",
        "Il manque les brevets, les parts de marché et la capacité de production. Un article "
        "très cité ne fait pas une usine de semi-conducteurs.",
        "Les critères sont discutables, mais au moins ils sont publics et reproductibles, ce qui "
        "n’est pas le cas de beaucoup de classements.",
    ],
    3: [
        "Pas vraiment surpris : la Chine investit **massivement** dans la recherche depuis vingt "
        "ans, et forme plus d’ingénieurs que n’importe quel autre pays.",
        "Surpris par l’ampleur, oui. 52 domaines sur 64, c’est beaucoup plus que ce que "
        "j’imaginais il y a cinq ans.",
        "Non, et Kling le montre bien : quelques mois après Sora, un modèle chinois comparable "
        "est déjà disponible, sur liste d’attente.",
    ],
    4: [
        "L’Union européenne finance beaucoup de recherche mais transforme trop peu ses résultats "
        "en entreprises. C’est ça, le vrai sujet.",
        "Que l’Europe n’apparaisse nulle part en tête est inquiétant. Nous restons forts en "
        "recherche fondamentale, mais dispersés.",
        "Il faudrait additionner les pays européens pour comparer ce qui est comparable : "
        "l’Allemagne, la France et les Pays-Bas ensemble pèsent davantage.",
    ],
    5: [
        "Oui : les sanctions ont surtout accéléré l’effort chinois. Le fonds de 27 milliards "
        "pour les puces en est la conséquence directe.",
        "À court terme les sanctions freinent, à long terme elles poussent à l’autonomie. "
        "Huawei en est l’exemple le plus cité.",
        "Je suis plus nuancé : sans les machines de lithographie les plus avancées, l’avance "
        "chinoise restera fragile sur les semi-conducteurs.",
    ],
}
ARGUMENTS = [
    "Le « Big Fund » est déjà le troisième du genre : l’État chinois planifie sur le long terme.",
    "> 52 technologies sur 64\n\nCe chiffre résume tout, même s’il mérite d’être nuancé.",
    "Trois points à retenir :\n\n- le volume de recherche\n- la formation\n- l’argent public",
    "Les États-Unis restent devant sur les semi-conducteurs avancés et les vaccins, d’après le "
    "même rapport.",
    "Le classement ne dit rien de la capacité à déployer ces technologies à grande échelle.",
    "Kling et Sora montrent que l’écart dans la vidéo générée se compte en mois, pas en années.",
]
REPLIES = [
    "Je ne suis pas d’accord avec vous sur ce point : la qualité compte plus que le nombre.",
    "Tout à fait d’accord, et on pourrait ajouter la question de l’énergie.",
    "Avez-vous une source pour ce chiffre ? Je ne le retrouve pas dans le rapport.",
    "C’est exactement ce que dit le rapport, page après page.",
    "Nuance importante : citer beaucoup n’est pas innover beaucoup.",
    "Merci, je n’avais pas vu les choses sous cet angle.",
    "Sur les batteries, l’avance chinoise est incontestable, oui.",
    "L’Europe a des atouts, mais elle *refuse* de choisir ses priorités.",
    "Les sanctions ont aussi coûté cher aux entreprises américaines, on l’oublie souvent.",
    "Je nuance : le rapport parle de risque de monopole, pas de domination acquise.",
]


class Command(BaseCommand):
    help = "Make demo members and a lively threaded discussion on the shipped article."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=30)
        parser.add_argument("--answers", type=int, default=150)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--reset", action="store_true", help="remove the demo first")

    def handle(self, *args, members, answers, seed, reset, **options):
        article = Article.objects.published().filter(slug=ARTICLE_SLUG).first()
        if article is None:
            raise CommandError(
                "The shipped article is not published: run `make run` or "
                "`manage.py import_article --publish articles/content/*.toml` first."
            )
        demo_members = User.objects.filter(email__endswith="@" + DEMO_DOMAIN)
        if reset:
            self._reset(article, demo_members)
        elif demo_members.exists():
            raise CommandError("The demo is already there: add --reset to make it again.")
        rng = random.Random(seed)
        with transaction.atomic():
            people = self._members(min(members, len(PSEUDONYMS)))
            made = self._discussion(article, people, answers, rng)
            votes = self._votes(made, people, rng)
        self.stdout.write(
            f"{len(people)} demo members, {len(made)} answers and {votes} votes on “{article}”.\n"
            f"Demo members sign in with their e-mail (e.g. {people[0].email}) and the "
            f"password “{DEMO_PASSWORD}”: for local demonstration only."
        )

    def _reset(self, article, demo_members):
        theirs = Answer.objects.filter(author__in=demo_members)
        if Answer.objects.filter(parent__in=theirs).exclude(author__in=demo_members).exists():
            raise CommandError("Real members replied to demo answers: the demo cannot be removed.")
        with transaction.atomic():
            Vote.objects.filter(Q(user__in=demo_members) | Q(answer__in=theirs)).delete()
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
        people = []
        for name in PSEUDONYMS[:count]:
            email = f"{name.lower().replace('.', '-')}@{DEMO_DOMAIN}"
            user = User.objects.create_user(username=name, email=email, password=DEMO_PASSWORD)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            people.append(user)
        return people

    def _discussion(self, article, people, count, rng):
        questions = list(article.questions.order_by("position"))
        made: list[Answer] = []
        start = timezone.now() - timedelta(days=4)
        for n in range(count):
            # Every question gets answers early on, then the talk goes where it goes.
            early = n < len(questions) * 2
            question = questions[n % len(questions)] if early else rng.choice(questions)
            threads = [a for a in made if a.question_id == question.pk and a.depth < 8]
            author = rng.choice(people)
            if not threads or rng.random() < 0.3:
                body = rng.choice(OPENINGS.get(question.position, ARGUMENTS) + ARGUMENTS)
                parent = None
            else:
                # Deep chains happen: prefer the latest answers as parents.
                parent = rng.choice(threads[-6:] if rng.random() < 0.5 else threads)
                body = rng.choice(REPLIES + ARGUMENTS)
                if parent.author_id == author.pk:
                    author = rng.choice([p for p in people if p.pk != author.pk])
            answer, _created = do_post_answer(
                author=author, question=question, body=body, parent=parent
            )
            # Spread the discussion over the last days, in the order it was written.
            moment = start + timedelta(minutes=n * (4 * 24 * 60 // max(count, 1)))
            Answer.objects.filter(pk=answer.pk).update(created_at=moment)
            answer.created_at = moment
            made.append(answer)
        return made

    def _votes(self, made, people, rng):
        cast = 0
        for answer in made:
            for voter in rng.sample(people, rng.randint(0, min(8, len(people)))):
                if voter.pk != answer.author_id:
                    do_set_vote(voter=voter, answer=answer, value=rng.choice([1, 1, 1, -1]))
                    cast += 1
        return cast
