"""The Celery queues, named once for the app (routing), the worker command and the metrics.

A module of its own, without Celery, so the CLI can name the queues without importing Celery.
"""

QUEUES = ("extract", "resolve")
