"""What `newswatch up` runs on one machine, one job per module.

- `children`: the list of processes `up` runs (poller, worker, ...): a new service is one entry there.
- `supervisor`: starts those processes, restarts one that dies, gives up on one that keeps crashing.
- `lifecycle`: the order of things: services, migrations, the demo, the children, metrics; and the
  reverse order on the way out.
- `dashboard`: what the terminal shows meanwhile, read from PostgreSQL.

The command itself (options, signals, the main loop) is ops/cli/up.py.
"""
