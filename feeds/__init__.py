"""Feeds: the registry, scheduling, HTTP fetching, feed parsing and article cleaning.

Knows nothing of Celery: the poller is handed a function that enqueues an article.
"""
