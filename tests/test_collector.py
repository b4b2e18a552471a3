"""The cyclic garbage collector runs between documents, not during them, and
still frees the reference cycles that aliases build, while the stream runs."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: its heap is a CLI's, not a test session's.
SCRIPT = """
import gc, io, sys
from post_renderer.config.load import build_config
from post_renderer.extract.table import build_table
from post_renderer.pipeline.core import Collector, Pipeline
from post_renderer.pipeline.streams import documents
from post_renderer.stages.rewrite import Context, RewriteStage
from post_renderer.yaml.split import split_documents

class Discard:
    def write(self, doc): pass
    def finish(self, end): pass

entries = "".join(f"    k{i}: v{i}\\n" for i in range(300))
doc = ("---\\napiVersion: v1\\nkind: Pod\\nmetadata:\\n  name: p\\nspec:\\n"
       "  containers:\\n  - name: c\\n    image: quay.io/a:1\\n"
       f"  loop: &a\\n    self: *a\\n{entries}").encode()
rules = build_config(None, ["quay.io=mirror.example.com/quay"], environ={}).rules
stages = [RewriteStage(Context(rules, build_table()))]

def run(count):
    gc.collect()
    Pipeline(documents(split_documents(io.BytesIO(doc * count))), stages, Discard()).run()
    return gc.collect()  # what was left for the collector when the run ended

run(1)  # the first run also leaves what start-up left
per_document = run(1)
count = 5 * Collector.MIN_BUDGET // (2 * per_document)
print(per_document, count, run(count), gc.isenabled())
"""


def test_cycles_built_by_aliases_are_freed_while_the_stream_runs() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=120, check=True)
    per_document, count, left, enabled = result.stdout.split()
    assert int(per_document) >= 300  # each document leaves a cycle behind
    # two and a half budgets' worth of cycles were built: about one at most is left
    assert int(left) <= int(count) * int(per_document) * 0.45
    assert enabled == "True"  # the run gives the collector back
