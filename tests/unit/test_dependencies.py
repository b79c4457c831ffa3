"""What the services import is installed by a plain `pip install`, whatever the pip.

A library reached only through another package's extra (`lxml[html_clean]`) is left out by pips
that do not normalise extra names (pip 23.2, in a fresh Debian 12 venv): the poller then died at
import. So every distribution the running code imports must be reachable from newswatch's own
requirements as that pip reads them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# What the long-running processes import at start: the poller, the worker's tasks, the CLI.
ENTRY_MODULES = ("feeds.poller", "feeds.clean", "workers.app", "workers.extract_task", "workers.resolve_task",
                 "workers.sweep_task", "ops.cli", "ops.embedded")


def _requirements(name: str, extras: set[str]) -> list[Requirement]:
    """What installing `name` with `extras` pulls in, as pip 23 reads it: an extra asked for under
    another spelling than the one the package declares ('html_clean' for 'html-clean') is missed."""
    declared = set(metadata.metadata(name).get_all("Provides-Extra") or [])
    found = []
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker is None or any(requirement.marker.evaluate({"extra": extra})
                                             for extra in {"", *(extras & declared)}):
            found.append(requirement)
    return found


def _installed_by_pip_23(root: str) -> set[str]:
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(root, frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            todo.extend((r.name, frozenset(r.extras)) for r in _requirements(name, set(extras)))
        except metadata.PackageNotFoundError:
            continue
    return {name for name, _ in seen}


def test_every_library_the_services_import_comes_with_a_plain_install():
    try:
        metadata.distribution("newswatch")
    except metadata.PackageNotFoundError:
        pytest.skip("newswatch is not installed (pip install -e .)")
    # In a process of its own: this one has pytest and its plugins loaded.
    imported = json.loads(subprocess.run(
        [sys.executable, "-c", f"import sys, json, {', '.join(ENTRY_MODULES)}; print(json.dumps(list(sys.modules)))"],
        capture_output=True, text=True, check=True, timeout=120).stdout)
    providers = metadata.packages_distributions()
    reachable = _installed_by_pip_23("newswatch")
    ours = {"newswatch", "db", "feeds", "workers", "ops"}
    missing = sorted({
        f"{canonicalize_name(dist)} (for {top})"
        for top in {name.split(".")[0] for name in imported} - ours - set(sys.stdlib_module_names)
        for dist in providers.get(top, [])[:1]
        if canonicalize_name(dist) not in reachable
    })
    assert missing == []
