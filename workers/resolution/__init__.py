"""Resolution: one incident across many reports (matching, version policy, the resolver).

material.py, matching.py and versions.py are pure functions, tested without services;
resolver.py applies them to Postgres in one short transaction per report.
"""
