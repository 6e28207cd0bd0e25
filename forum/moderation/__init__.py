"""The moderator's desk: flags, the queue, decisions on answers, sanctions on members, the
state of questions, and the public log.

``actions`` holds the workflows (``check_*`` asks the rulebook, ``do_*`` writes, one
``ModerationAction`` per decision), ``queue`` the desk's reads, ``access`` who may open the
desk (moderators who passed their second factor), ``views`` and ``urls`` the screens.
"""
