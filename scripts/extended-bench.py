#!/usr/bin/env python3
"""Build "extended" patient-to-trial cohorts from ../shared/data, disjoint from ../shared/data/bench.

bench/ keeps a patient only when >= 10 of its judged trials have text. The other patients of
trec/ (TREC CT 2021, 2022, 2023 and SIGIR 2016) still have a few judged trials with text in
trials/trials_normalized.jsonl.gz (or, for SIGIR, in bench/sigir/trials.jsonl). This script
writes, per cohort, the patients NOT in bench/ that have >= MIN_JUDGED judged trials with text
and at least one label above 0, in bench's layout, so `trialbridge eval rank` reads them as is:

    python3 scripts/extended-bench.py ../shared/data target/bench-extended
    trialbridge eval rank --trials target/bench-extended/trec_2021/trials.jsonl \
        --queries target/bench-extended/trec_2021/queries.jsonl \
        --qrels target/bench-extended/trec_2021/qrels.tsv --out run.txt

These patients were never looked at while tuning the matcher, so their figures check that the
rules generalize. Few judged trials per patient make each patient's NDCG noisy; read the mean.
"""
import gzip
import json
import os
import sys
import xml.etree.ElementTree as ET

MIN_JUDGED = 3


def trial_info(rec):
    """Map a trials_normalized record onto bench's trial_info layout."""
    raw = rec.get("raw_criteria") or ""
    if not raw.strip():
        inc, exc = rec.get("inclusion_criteria") or "", rec.get("exclusion_criteria") or ""
        if inc or exc:
            raw = f"Inclusion Criteria:\n{inc}\nExclusion Criteria:\n{exc}"
    phase = rec.get("phase") or ""
    return {
        "nctid": rec["nct_id"],
        "title": rec.get("title") or rec.get("official_title") or "",
        "brief_summary": rec.get("brief_summary") or "",
        "raw_criteria": raw,
        "minimum_age": rec.get("minimum_age") or "",
        "maximum_age": rec.get("maximum_age") or "",
        "sex": rec.get("sex") or "",
        "condition": rec.get("conditions") or [],
        "interventions": rec.get("interventions") or [],
        "overall_status": rec.get("overall_status") or "",
        "phases": [p.strip() for p in phase.split(",") if p.strip()] if isinstance(phase, str) else phase,
        "study_type": rec.get("study_type") or "",
    }


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(shared, out):
    texts = {}
    with gzip.open(os.path.join(shared, "trials/trials_normalized.jsonl.gz"), "rt") as f:
        for line in f:
            rec = json.loads(line)
            texts[rec["nct_id"]] = trial_info(rec)
    for cohort in ("trec_2021", "trec_2022", "trec_2023", "sigir"):
        bench = os.path.join(shared, "bench", cohort)
        # bench's own trial texts come first: SIGIR's are mostly not in trials_normalized.
        cohort_texts = dict(texts)
        for t in read_jsonl(os.path.join(bench, "trials.jsonl")):
            cohort_texts[t["nctid"]] = t
        in_bench = {q["_id"] for q in read_jsonl(os.path.join(bench, "queries.jsonl"))}
        if cohort == "trec_2023":
            queries = {}
            for topic in ET.parse(os.path.join(shared, "trec/trec_2023/topics2023.xml")).getroot():
                fields = {fl.get("name"): (fl.text or "").strip() for fl in topic}
                text = "; ".join(f"{k}: {v}" for k, v in fields.items() if v)
                queries[topic.get("number")] = {"_id": topic.get("number"), "text": text,
                                                "template": topic.get("template"), "fields": fields}
            judgments = []
            for line in open(os.path.join(shared, "trec/trec_2023/qrels2023.txt")):
                q, _, nct, score = line.split()
                judgments.append((q, nct, int(score)))
        else:
            queries = {q["_id"]: q for q in read_jsonl(os.path.join(shared, "trec", cohort, "queries.jsonl"))}
            judgments = []
            for i, line in enumerate(open(os.path.join(shared, "trec", cohort, "qrels_test.tsv"))):
                if i == 0:
                    continue
                q, nct, score = line.split()
                judgments.append((q, nct, int(score)))
        per_patient = {}
        for q, nct, score in judgments:
            if q in in_bench or q not in queries or nct not in cohort_texts:
                continue
            per_patient.setdefault(q, {})[nct] = score
        kept = {q: j for q, j in per_patient.items()
                if len(j) >= MIN_JUDGED and any(s > 0 for s in j.values())}
        target = os.path.join(out, cohort)
        os.makedirs(target, exist_ok=True)
        trials = sorted({nct for j in kept.values() for nct in j})
        with open(os.path.join(target, "trials.jsonl"), "w") as f:
            for nct in trials:
                f.write(json.dumps(cohort_texts[nct]) + "\n")
        with open(os.path.join(target, "queries.jsonl"), "w") as f:
            for q in sorted(kept, key=lambda q: (len(q), q)):
                f.write(json.dumps(queries[q]) + "\n")
        with open(os.path.join(target, "qrels.tsv"), "w") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            for q in sorted(kept, key=lambda q: (len(q), q)):
                for nct, score in sorted(kept[q].items()):
                    f.write(f"{q}\t{nct}\t{score}\n")
        labels = [s for j in kept.values() for s in j.values()]
        print(f"{cohort}: {len(kept)} patients, {len(trials)} trials, {len(labels)} judged pairs, "
              f"labels 0/1/2 = {labels.count(0)}/{labels.count(1)}/{labels.count(2)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: extended-bench.py SHARED_DATA_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
