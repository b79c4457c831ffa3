"""Workers: the Celery app, its tasks, extraction (spaCy) and resolution (matching, versioning)."""
