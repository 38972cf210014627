//! Index build time and query latency on a JSONL(.gz) file of API v2 studies.
//!
//! `cargo run --release -p search --example bench -- data/ctgov/studies.jsonl.gz [copies]`
//!
//! With `copies` > 1 the studies are indexed that many times under synthetic NCT ids
//! (NCT{copy:02}{line:06}), to see how build time and latency grow with the corpus.
//!
//! Prints the time to parse, to build an on-disk index (and to reopen it), and p50/p95/max
//! latency of `TrialIndex::search` over a fixed set of queries that mix conditions, statuses,
//! distance, age ranges, phases, facets and paging.

use std::io::Read;
use std::time::Instant;

use search::{StudiesQuery, TrialIndex};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/ctgov/studies.jsonl.gz".into());
    let copies: usize = std::env::args()
        .nth(2)
        .and_then(|c| c.parse().ok())
        .unwrap_or(1)
        .clamp(1, 99);
    let mut text = String::new();
    let file = std::fs::File::open(&path).expect("input file");
    if path.ends_with(".gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap();
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .unwrap();
    }
    let t = Instant::now();
    let studies: Vec<ctgov::Study> = text
        .lines()
        .filter_map(|l| ctgov::Record::from_api_json(l).ok())
        .map(|r| r.study)
        .collect();
    let parse = t.elapsed();

    let t = Instant::now();
    let _ = search::gazetteer().len();
    let gaz = t.elapsed();

    let (mut sites, mut without, mut geocoded) = (0, 0, 0);
    for st in &studies {
        let (facts, summaries) = search::StudyFacts::from_study(st);
        sites += st.locations().len();
        without += st
            .locations()
            .iter()
            .filter(|l| l.geo_point.is_none())
            .count();
        geocoded += summaries.iter().flatten().filter(|s| s.geocoded).count();
        let _ = facts;
    }

    let dir = tempfile::tempdir().unwrap();
    let index = TrialIndex::open(dir.path()).unwrap();
    let corpus: Vec<ctgov::Study> = if copies == 1 {
        studies
    } else {
        (0..copies)
            .flat_map(|c| {
                studies.iter().enumerate().map(move |(i, s)| {
                    let mut s = s.clone();
                    s.protocol_section.identification_module.nct_id = format!("NCT{c:02}{i:06}");
                    s
                })
            })
            .collect()
    };
    let t = Instant::now();
    let n = index.rebuild(corpus.into_iter()).unwrap();
    let build = t.elapsed();
    drop(index);
    let t = Instant::now();
    let index = TrialIndex::open(dir.path()).unwrap();
    let reopen = t.elapsed();

    let g = search::gazetteer();
    let places = [
        "Boston, MA",
        "Paris, France",
        "Zhengzhou",
        "02115",
        "Seoul",
        "Houston, TX",
    ];
    let conds = [
        "cancer",
        "lymphoma",
        "breast cancer",
        "lung cancer",
        "disc herniation",
        "leukemia",
        "diabetes",
        "pain",
    ];
    let mut queries: Vec<Vec<(String, String)>> = Vec::new();
    for (i, c) in conds.iter().enumerate() {
        let p = g.lookup(places[i % places.len()]).unwrap();
        let geo = format!(
            "distance({},{},{}mi)",
            p.lat,
            p.lon,
            [50, 100, 300, 1000][i % 4]
        );
        let age = 10 + 11 * i;
        let adv = format!(
            "AREA[MinimumAge]RANGE[MIN, {age} years] AND AREA[MaximumAge]RANGE[{age} years, MAX]"
        );
        let sets: Vec<Vec<(&str, String)>> = vec![
            vec![("query.cond", c.to_string())],
            vec![
                ("query.cond", c.to_string()),
                ("filter.overallStatus", "RECRUITING".into()),
            ],
            vec![
                ("query.cond", c.to_string()),
                ("filter.geo", geo.clone()),
                ("sort", "distance".into()),
            ],
            vec![
                ("query.cond", c.to_string()),
                ("filter.advanced", adv.clone()),
                ("aggFilters", "phase:2 3".into()),
            ],
            vec![
                ("filter.geo", geo.clone()),
                ("filter.advanced", adv.clone()),
                ("countTotal", "true".into()),
            ],
            vec![("query.term", c.to_string()), ("pageSize", "100".into())],
        ];
        for s in sets {
            queries.push(s.into_iter().map(|(a, b)| (a.to_string(), b)).collect());
        }
    }
    let mut lat = Vec::new();
    let mut total_hits = 0;
    for round in 0..20 {
        for q in &queries {
            let t = Instant::now();
            let sq = StudiesQuery::from_pairs(q).unwrap();
            let page = index.search(&sq).unwrap();
            let e = t.elapsed();
            if round == 0 {
                total_hits += page.total_count;
            }
            if round > 0 {
                lat.push(e.as_secs_f64() * 1000.0);
            }
        }
    }
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    println!("studies indexed:      {n}");
    println!(
        "parse JSON:           {:.0} ms",
        parse.as_secs_f64() * 1000.0
    );
    println!("gazetteer load:       {:.0} ms", gaz.as_secs_f64() * 1000.0);
    println!(
        "sites:                {sites}, {without} without geoPoint, {geocoded} of those geocoded by the gazetteer"
    );
    println!(
        "index build (disk):   {:.0} ms",
        build.as_secs_f64() * 1000.0
    );
    println!(
        "index reopen:         {:.0} ms",
        reopen.as_secs_f64() * 1000.0
    );
    println!(
        "queries:              {} distinct x 19 timed rounds = {} searches (mean {:.1} results each)",
        queries.len(),
        lat.len(),
        total_hits as f64 / queries.len() as f64
    );
    println!("latency p50:          {:.2} ms", pct(0.5));
    println!("latency p95:          {:.2} ms", pct(0.95));
    println!("latency max:          {:.2} ms", lat[lat.len() - 1]);
}
