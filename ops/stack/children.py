"""The processes `newswatch up` runs and keeps running.

Each is a `newswatch` subcommand in a process of its own: the poller, the worker and the web pages.
A new long-running service is one more `ChildSpec` in `children()`: the supervisor then starts it,
restarts it when it dies, gives up on it when it keeps crashing, shows its state, and stops it with the rest.

`children()` is called first thing, before any server starts: a setting a child cannot run with is
refused there (raise UserError) and `up` stops with one line and nothing to undo. The children get
`up`'s environment once the services run (DATABASE_URL, REDIS_URL set), plus their `env`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from newswatch.settings import Settings
from workers.queues import QUEUES


@dataclass(frozen=True)
class ChildSpec:
    name: str  # shown in the status lines; its output goes to <data_dir>/logs/<name>.log
    args: tuple[str, ...]  # the `newswatch` subcommand and its arguments
    env: Mapping[str, str] = field(default_factory=dict)  # set on top of the environment `up` passes on
    note: str | None = None  # one line shown once it has started (where to reach it, say)


def children(settings: Settings, *, concurrency: int) -> list[ChildSpec]:
    """Every child of `up`, in the order they start (they stop all at once)."""
    from ops.web.server import address_for_up

    web_addr, web_url = address_for_up(settings)  # the configured address, or a free port if it is taken
    return [
        ChildSpec("poller", ("poller",)),  # it also runs the pending sweep
        ChildSpec("worker", ("worker", "--queues", ",".join(QUEUES), "--concurrency", str(concurrency))),
        ChildSpec("web", ("web",), env={"NEWSWATCH_WEB_ADDR": web_addr}, note=f"incidents, live: {web_url}"),
    ]
