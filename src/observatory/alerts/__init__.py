"""Alerts for the field: an hourly prospective detector over reports and outreach rounds.

``scan.py`` (the statistics) and ``detector.py`` (one hourly run) are pure; ``services.py`` reads
the database, stores and de-duplicates alerts and e-mails them to the organisations' and the
observatory's members, never to the public. See docs/alerts.md.
"""
