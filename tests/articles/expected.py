"""The shipped article as readers must see it: its five questions, its seven paragraphs."""

QUESTIONS = [
    "Quelle lecture faites-vous du rapport de l’ASPI ?",
    "Que pensez-vous des éléments utilisés pour établir le classement ?",
    "Êtes-vous surpris de voir la Chine l’emporter dans autant de domaines technologiques ? "
    "Pourquoi ?",
    "Que pensez-vous du fait que le haut du tableau des 64 domaines technologiques clefs n’est "
    "constitué que de la Chine et des USA ? Que dire des pays de l’Union européenne ?",
    "Partagez-vous les avis selon lesquels les sanctions américaines auront pour effet de "
    "renforcer le tableau actuel ?",
]
PARAGRAPH_STARTS = [
    "Le célèbre acteur",
    "Kling semble offrir",
    "Cette série d’exemples",
    "Dans sa mise à jour",
    "La Chine prépare",
    "Selon des sources de Bloomberg",
    "Les entreprises bénéficiant",
]
