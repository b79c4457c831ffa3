"""Postgres access: the connection pool, the migration runner and the queries.

Knows nothing of Celery. Everything above it reaches Postgres through `db.pool.connection()`.
"""
