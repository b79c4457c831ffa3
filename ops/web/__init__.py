"""`newswatch web`: read-only pages and a JSON API over the consumers' views.

- queries.py  what is read (the views and incidents_as_of only, as newswatch_reader), and the filters
- live.py     LISTEN incident_changed, turned into server-sent events for open incidents pages
- chart.py    the step chart of killed and injured over an incident's versions (SVG, server side)
- app.py      the Starlette application: pages, API, security headers, the token check
- server.py   running it under uvicorn, refusing an unprotected non-loopback address
"""
