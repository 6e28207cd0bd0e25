"""The site's screens, one module per screen (or family of forms).

Every write is a plain form POST that redirects; under htmx the same view answers
with the fragment to swap (a partial of the page's template). Each view reads:
access helper → rulebook (forum.rules) → ``check_``/``do_`` workflow → response.
"""
