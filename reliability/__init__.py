"""Reliability run: the production site under load while its cache and database fail.

Not a test: ``make reliability`` (``python -m reliability``) starts a private
PostgreSQL cluster and a private Redis, serves the site with gunicorn under
production settings, runs readers, voters and posters against it through
phases (baseline, Redis stopped, Redis paused, database restarted), audits
every acknowledged write afterwards and prints one JSON document. See
reliability/__main__.py.
"""
