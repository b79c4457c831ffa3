"""What a worker loads before its pool forks, so that every child shares it."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import gc
import sys
from ops.cli.worker import _warm_up
from workers.extraction import gazetteer
_warm_up([{queues}])
print(gazetteer.tables.cache_info().currsize, gc.get_freeze_count() > 0, "workers.extraction.pipeline" in sys.modules)
"""


def _after_warm_up(*queues: str) -> list[str]:
    # A process of its own: this one may have built the gazetteer in another test already.
    out = subprocess.run([sys.executable, "-c", PROBE.format(queues=", ".join(repr(q) for q in queues))],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return out.split()


def test_a_resolve_only_worker_builds_the_gazetteer_before_forking_and_loads_no_spacy_model():
    built, frozen, model_loaded = _after_warm_up("resolve")
    assert built == "1"
    assert frozen == "True"
    assert model_loaded == "False"  # the extraction pipeline (and its spaCy model) is the extract queue's
