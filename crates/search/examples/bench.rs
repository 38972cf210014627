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
//!
//! In the same run, the same requests are answered by a baseline without an index: a linear
//! scan over the parsed `ctgov::Study` values ([`ScanRecord`], [`ScanRequest::run`]), so the
//! index's figures can be read against it. Last, the time from `TrialIndex::upsert` of an
//! updated study to a `search` that sees the new version (commit + reader reload + query).

use std::io::Read;
use std::time::Instant;

use std::collections::HashMap;

use search::{StudiesQuery, TrialIndex};

/// One study as the baseline scan sees it: what it needs, prepared once after parsing (the
/// scan's counterpart of building the index; timed separately).
struct ScanRecord {
    nct_id: String,
    status: String,
    phases: Vec<String>,
    sex: Option<String>,
    study_type: Option<String>,
    sponsor_class: Option<String>,
    countries: Vec<String>,
    /// Bounds in years; `None` is no bound on that side.
    min_age: Option<f64>,
    max_age: Option<f64>,
    /// Lower-cased texts `query.cond` searches: conditions, keywords, titles, the condition
    /// MeSH terms and their ancestors.
    cond_text: String,
    /// Lower-cased texts `query.term` searches: the above and every other text the index holds
    /// (ids, acronym, organization, summary, description, interventions, outcomes, sponsors,
    /// sites, eligibility criteria).
    all_text: String,
    /// Site coordinates: the registry's geoPoint, else the gazetteer's geocode of the site.
    points: Vec<(f64, f64)>,
}

impl ScanRecord {
    fn from_study(st: &ctgov::Study) -> ScanRecord {
        let p = &st.protocol_section;
        let idm = &p.identification_module;
        let mut cond: Vec<&str> = Vec::new();
        cond.extend(st.conditions().iter().map(String::as_str));
        cond.extend(st.keywords().iter().map(String::as_str));
        cond.push(&idm.brief_title);
        cond.extend(idm.official_title.as_deref());
        if let Some(b) = st
            .derived_section
            .as_ref()
            .and_then(|d| d.condition_browse_module.as_ref())
        {
            cond.extend(b.meshes.iter().chain(&b.ancestors).map(|m| m.term.as_str()));
        }
        let mut other: Vec<String> = vec![idm.nct_id.clone()];
        other.extend(idm.acronym.clone());
        other.extend(idm.org_study_id_info.as_ref().map(|o| o.id.clone()));
        other.extend(idm.organization.as_ref().map(|o| o.full_name.clone()));
        other.extend(st.brief_summary().map(str::to_string));
        other.extend(
            p.description_module
                .as_ref()
                .and_then(|m| m.detailed_description.clone()),
        );
        for i in st.interventions() {
            other.push(i.name.clone());
            other.extend(i.other_names.iter().cloned());
            other.extend(i.description.clone());
        }
        other.extend(st.intervention_meshes().map(|m| m.term.clone()));
        if let Some(o) = &p.outcomes_module {
            other.extend(
                o.primary_outcomes
                    .iter()
                    .chain(&o.secondary_outcomes)
                    .map(|x| x.measure.clone()),
            );
        }
        if let Some(s) = &p.sponsor_collaborators_module {
            other.extend(s.lead_sponsor.as_ref().map(|l| l.name.clone()));
            other.extend(s.collaborators.iter().map(|c| c.name.clone()));
        }
        let g = search::gazetteer();
        let mut points = Vec::new();
        let mut countries: Vec<String> = Vec::new();
        for l in st.locations() {
            let parts: Vec<&str> = [&l.facility, &l.city, &l.state, &l.zip, &l.country]
                .iter()
                .filter_map(|x| x.as_deref())
                .collect();
            other.push(parts.join(", "));
            if let Some(c) = &l.country
                && !countries.contains(c)
            {
                countries.push(c.clone());
            }
            match l.geo_point {
                Some(gp) => points.push((gp.lat, gp.lon)),
                None => points.extend(
                    g.geocode_site(
                        l.city.as_deref(),
                        l.state.as_deref(),
                        l.zip.as_deref(),
                        l.country.as_deref(),
                    )
                    .map(|m| (m.lat, m.lon)),
                ),
            }
        }
        other.extend(st.eligibility_criteria().map(str::to_string));
        let cond_text = cond.join("\n").to_lowercase();
        let all_text = format!("{cond_text}\n{}", other.join("\n").to_lowercase());
        ScanRecord {
            nct_id: idm.nct_id.clone(),
            status: st.overall_status().to_string(),
            phases: st.phases().to_vec(),
            sex: st.sex().map(str::to_string),
            study_type: st.study_type().map(str::to_string),
            sponsor_class: st.lead_sponsor().and_then(|s| s.class.clone()),
            countries,
            min_age: st.minimum_age().ok().flatten().map(|a| a.in_years()),
            max_age: st.maximum_age().ok().flatten().map(|a| a.in_years()),
            cond_text,
            all_text,
            points,
        }
    }
}

/// A bench request in the baseline's terms (built next to its query string).
#[derive(Default, Clone)]
struct ScanRequest {
    /// `query.cond` words: each must occur, lower-cased, as a substring of `cond_text`.
    cond: Vec<String>,
    /// `query.term` words: each must occur as a substring of `all_text`.
    term: Vec<String>,
    status: Option<&'static str>,
    /// Centre and radius in km: some site within the radius (haversine).
    geo: Option<(f64, f64, f64)>,
    /// An age in years the trial admits (a missing bound is open on that side).
    age: Option<f64>,
    /// At least one of these phases.
    phases: Vec<&'static str>,
    sort_by_distance: bool,
    page_size: usize,
}

/// What the baseline answers: the total, the first page of NCT ids, and six facet counts
/// over the whole selection (status, phase, sex, study type, sponsor class, country).
struct ScanAnswer {
    total: usize,
    page: Vec<String>,
    facets: [HashMap<String, usize>; 6],
}

fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = (b.0 - a.0).to_radians();
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

impl ScanRequest {
    /// Scans every record: filters, counts facets over all matches, orders them (by distance
    /// when asked, else by how often the query words occur: a crude relevance), and keeps the
    /// first page.
    fn run(&self, records: &[ScanRecord]) -> ScanAnswer {
        let mut hits: Vec<(f64, &ScanRecord)> = Vec::new();
        for r in records {
            if !self.cond.iter().all(|w| r.cond_text.contains(w.as_str()))
                || !self.term.iter().all(|w| r.all_text.contains(w.as_str()))
                || self.status.is_some_and(|s| r.status != s)
                || self.age.is_some_and(|a| {
                    r.min_age.is_some_and(|m| m > a) || r.max_age.is_some_and(|m| m < a)
                })
                || (!self.phases.is_empty()
                    && !r.phases.iter().any(|p| self.phases.contains(&p.as_str())))
            {
                continue;
            }
            let key = match self.geo {
                Some((lat, lon, km)) => {
                    let Some(d) = r
                        .points
                        .iter()
                        .map(|&p| haversine_km((lat, lon), p))
                        .min_by(f64::total_cmp)
                        .filter(|&d| d <= km)
                    else {
                        continue;
                    };
                    if self.sort_by_distance { d } else { 0.0 }
                }
                None => 0.0,
            };
            let key = if self.sort_by_distance {
                key
            } else {
                let occurrences: usize = self
                    .cond
                    .iter()
                    .map(|w| r.cond_text.matches(w.as_str()).count())
                    .chain(
                        self.term
                            .iter()
                            .map(|w| r.all_text.matches(w.as_str()).count()),
                    )
                    .sum();
                -(occurrences as f64)
            };
            hits.push((key, r));
        }
        let mut facets: [HashMap<String, usize>; 6] = Default::default();
        for (_, r) in &hits {
            *facets[0].entry(r.status.clone()).or_default() += 1;
            for p in &r.phases {
                *facets[1].entry(p.clone()).or_default() += 1;
            }
            for (i, v) in [&r.sex, &r.study_type, &r.sponsor_class]
                .into_iter()
                .enumerate()
            {
                if let Some(v) = v {
                    *facets[2 + i].entry(v.clone()).or_default() += 1;
                }
            }
            for c in &r.countries {
                *facets[5].entry(c.clone()).or_default() += 1;
            }
        }
        hits.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| a.1.nct_id.cmp(&b.1.nct_id))
        });
        ScanAnswer {
            total: hits.len(),
            page: hits
                .iter()
                .take(self.page_size)
                .map(|(_, r)| r.nct_id.clone())
                .collect(),
            facets,
        }
    }
}

fn percentiles(lat: &mut [f64]) -> (f64, f64, f64) {
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    (pct(0.5), pct(0.95), lat[lat.len() - 1])
}

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
    let n = index.rebuild(corpus.iter().cloned()).unwrap();
    let build = t.elapsed();
    drop(index);
    let t = Instant::now();
    let index = TrialIndex::open(dir.path()).unwrap();
    let reopen = t.elapsed();
    let t = Instant::now();
    let records: Vec<ScanRecord> = corpus.iter().map(ScanRecord::from_study).collect();
    let prepare = t.elapsed();

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
    let mut scans: Vec<ScanRequest> = Vec::new();
    for (i, c) in conds.iter().enumerate() {
        let p = g.lookup(places[i % places.len()]).unwrap();
        let radius_mi: f64 = [50.0, 100.0, 300.0, 1000.0][i % 4];
        let geo = format!("distance({},{},{}mi)", p.lat, p.lon, radius_mi);
        let age = 10 + 11 * i;
        let adv = format!(
            "AREA[MinimumAge]RANGE[MIN, {age} years] AND AREA[MaximumAge]RANGE[{age} years, MAX]"
        );
        let words: Vec<String> = c.split_whitespace().map(str::to_string).collect();
        let within = Some((p.lat, p.lon, radius_mi * 1.609344));
        let cond = ScanRequest {
            cond: words.clone(),
            page_size: 10,
            ..Default::default()
        };
        scans.extend([
            cond.clone(),
            ScanRequest {
                status: Some("RECRUITING"),
                ..cond.clone()
            },
            ScanRequest {
                geo: within,
                sort_by_distance: true,
                ..cond.clone()
            },
            ScanRequest {
                age: Some(age as f64),
                phases: vec!["PHASE2", "PHASE3"],
                ..cond.clone()
            },
            ScanRequest {
                geo: within,
                age: Some(age as f64),
                page_size: 10,
                ..Default::default()
            },
            ScanRequest {
                term: words.clone(),
                page_size: 100,
                ..Default::default()
            },
        ]);
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
    assert_eq!(queries.len(), scans.len());
    let mut lat = Vec::new();
    let mut totals = Vec::new();
    for round in 0..20 {
        for q in &queries {
            let t = Instant::now();
            let sq = StudiesQuery::from_pairs(q).unwrap();
            let page = index.search(&sq).unwrap();
            let e = t.elapsed();
            if round == 0 {
                totals.push(page.total_count);
            } else {
                lat.push(e.as_secs_f64() * 1000.0);
            }
        }
    }
    let mut scan_lat = Vec::new();
    let mut scan_totals = Vec::new();
    for round in 0..20 {
        for r in &scans {
            let t = Instant::now();
            let answer = std::hint::black_box(r.run(&records));
            let e = t.elapsed();
            if round == 0 {
                scan_totals.push(answer.total);
                assert!(answer.page.len() <= r.page_size);
                assert!(answer.facets[0].values().sum::<usize>() == answer.total);
            } else {
                scan_lat.push(e.as_secs_f64() * 1000.0);
            }
        }
    }

    // Freshness: an existing study gets a new title word; time `upsert` (commit + reader
    // reload) and then the first search for that word, which must find it.
    let mut fresh = Vec::new();
    let mut upsert_only = Vec::new();
    for k in 0..21 {
        let mut st = corpus[(k * 37) % corpus.len()].clone();
        let word = format!("freshnessprobe{k}");
        st.protocol_section.identification_module.brief_title = format!(
            "{} {word}",
            st.protocol_section.identification_module.brief_title
        );
        let q = StudiesQuery::from_strs(&[("query.term", word.as_str())]).unwrap();
        let t = Instant::now();
        index.upsert(&[&st]).unwrap();
        let u = t.elapsed();
        let page = index.search(&q).unwrap();
        let e = t.elapsed();
        assert_eq!(page.total_count, 1, "the updated study is found at once");
        assert_eq!(
            page.hits[0].nct_id,
            st.protocol_section.identification_module.nct_id
        );
        if k > 0 {
            upsert_only.push(u.as_secs_f64() * 1000.0);
            fresh.push(e.as_secs_f64() * 1000.0);
        }
    }

    let same = totals
        .iter()
        .zip(&scan_totals)
        .filter(|(a, b)| a == b)
        .count();
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len() as f64;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!("studies indexed:      {n}");
    println!("parse JSON:           {:.0} ms", ms(parse));
    println!("gazetteer load:       {:.0} ms", ms(gaz));
    println!(
        "sites:                {sites}, {without} without geoPoint, {geocoded} of those geocoded by the gazetteer"
    );
    println!("index build (disk):   {:.0} ms", ms(build));
    println!("index reopen:         {:.0} ms", ms(reopen));
    println!("scan records prepare: {:.0} ms", ms(prepare));
    println!(
        "queries:              {} distinct x 19 timed rounds = {} searches each way",
        queries.len(),
        lat.len()
    );
    println!(
        "mean results/query:   index {:.1}, scan {:.1}; same total on {same} of {} requests",
        mean(&totals),
        mean(&scan_totals),
        queries.len()
    );
    let (p50, p95, max) = percentiles(&mut lat);
    println!("index latency:        p50 {p50:.2} ms  p95 {p95:.2} ms  max {max:.2} ms");
    let (p50, p95, max) = percentiles(&mut scan_lat);
    println!("scan latency:         p50 {p50:.2} ms  p95 {p95:.2} ms  max {max:.2} ms");
    let (p50, p95, max) = percentiles(&mut upsert_only);
    println!("upsert (1 study):     p50 {p50:.2} ms  p95 {p95:.2} ms  max {max:.2} ms");
    let (p50, p95, max) = percentiles(&mut fresh);
    println!(
        "upsert -> visible:    p50 {p50:.2} ms  p95 {p95:.2} ms  max {max:.2} ms ({} updates)",
        fresh.len()
    );
    if std::env::var_os("BENCH_DETAIL").is_some() {
        for ((q, a), b) in queries.iter().zip(&totals).zip(&scan_totals) {
            println!("  index {a:>5}  scan {b:>5}  {q:?}");
        }
    }
}
