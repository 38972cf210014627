//! On the 775-record sample committed in `data/ctgov/`, searches that combine a condition,
//! status, distance, an age and a phase return exactly the studies that an independent check
//! over the raw JSON selects. The check below reads `serde_json::Value`s only; the one thing
//! it borrows is the gazetteer, for the sites the registry gave no coordinates (that is the
//! documented geocoding of sites, not the index).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::OnceLock;

use search::{StudiesQuery, TrialIndex};
use serde_json::Value;

fn sample() -> &'static (Vec<Value>, TrialIndex) {
    static SAMPLE: OnceLock<(Vec<Value>, TrialIndex)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/ctgov/studies.jsonl.gz"
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).expect("sample committed"))
            .read_to_string(&mut text)
            .unwrap();
        let raw: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(raw.len(), 775);
        let studies: Vec<ctgov::Study> = text
            .lines()
            .map(|l| ctgov::Record::from_api_json(l).unwrap().study)
            .collect();
        let index = TrialIndex::open_in_ram().unwrap();
        assert_eq!(index.rebuild(studies.into_iter()).unwrap(), 775);
        (raw, index)
    })
}

// ---------- the independent check, over raw JSON ----------

fn s<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

fn arr<'a>(v: &'a Value, ptr: &str) -> Vec<&'a Value> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn nct(v: &Value) -> String {
    s(v, "/protocolSection/identificationModule/nctId")
        .unwrap()
        .to_string()
}

/// Lower-cased words of every text `query.cond` searches: conditions, keywords, titles, and
/// the registry's condition MeSH terms and their ancestors.
fn condition_words(v: &Value) -> BTreeSet<String> {
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(
        arr(v, "/protocolSection/conditionsModule/conditions")
            .iter()
            .filter_map(|x| x.as_str()),
    );
    texts.extend(
        arr(v, "/protocolSection/conditionsModule/keywords")
            .iter()
            .filter_map(|x| x.as_str()),
    );
    texts.extend(s(v, "/protocolSection/identificationModule/briefTitle"));
    texts.extend(s(v, "/protocolSection/identificationModule/officialTitle"));
    for key in ["meshes", "ancestors"] {
        for m in arr(v, &format!("/derivedSection/conditionBrowseModule/{key}")) {
            texts.extend(s(m, "/term"));
        }
    }
    texts
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !c.is_alphanumeric())
                .map(|w| w.to_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Each entry is one query word: the spellings that count as that word (inflections and the
/// concept's other names, which the user of `query.cond` expects to be found too).
fn has_condition(v: &Value, words: &[&[&str]]) -> bool {
    let have = condition_words(v);
    words
        .iter()
        .all(|forms| forms.iter().any(|f| have.contains(*f)))
}

fn years(age: &str) -> f64 {
    let mut it = age.split_whitespace();
    let n: f64 = it.next().unwrap().parse().unwrap();
    let unit = it.next().unwrap_or("Years").to_lowercase();
    let per_year = match unit.trim_end_matches('s') {
        "year" => 1.0,
        "month" => 12.0,
        "week" => 365.25 / 7.0,
        "day" => 365.25,
        "hour" => 365.25 * 24.0,
        "minute" => 365.25 * 24.0 * 60.0,
        other => panic!("unit {other}"),
    };
    n / per_year
}

/// A person of `age` years may join: no lower bound or at most `age`, no upper bound or at
/// least `age`.
fn admits_age(v: &Value, age: f64) -> bool {
    let min = s(v, "/protocolSection/eligibilityModule/minimumAge").map(years);
    let max = s(v, "/protocolSection/eligibilityModule/maximumAge").map(years);
    min.is_none_or(|m| m <= age + 1e-9) && max.is_none_or(|m| m >= age - 1e-9)
}

fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = (b.0 - a.0).to_radians();
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

/// The distance in km from `center` to the study's closest site, if it has any site with a
/// point (the registry's geoPoint, or the gazetteer's for a site without one).
fn nearest_km(v: &Value, center: (f64, f64)) -> Option<f64> {
    let g = search::gazetteer();
    arr(v, "/protocolSection/contactsLocationsModule/locations")
        .iter()
        .filter_map(
            |l| match (l.pointer("/geoPoint/lat"), l.pointer("/geoPoint/lon")) {
                (Some(lat), Some(lon)) => Some((lat.as_f64()?, lon.as_f64()?)),
                _ => g
                    .geocode_site(
                        s(l, "/city"),
                        s(l, "/state"),
                        s(l, "/zip"),
                        s(l, "/country"),
                    )
                    .map(|m| (m.lat, m.lon)),
            },
        )
        .map(|p| haversine_km(center, p))
        .min_by(f64::total_cmp)
}

fn status_in(v: &Value, statuses: &[&str]) -> bool {
    s(v, "/protocolSection/statusModule/overallStatus").is_some_and(|x| statuses.contains(&x))
}

fn phase_in(v: &Value, phases: &[&str]) -> bool {
    arr(v, "/protocolSection/designModule/phases")
        .iter()
        .any(|p| p.as_str().is_some_and(|p| phases.contains(&p)))
}

// ---------- the cases ----------

struct Case {
    params: Vec<(&'static str, String)>,
    oracle: Box<dyn Fn(&Value) -> bool>,
}

const MI: f64 = 1.609344;

fn age_filter(age: u32) -> String {
    format!("AREA[MinimumAge]RANGE[MIN, {age} years] AND AREA[MaximumAge]RANGE[{age} years, MAX]")
}

fn cases() -> Vec<Case> {
    let g = search::gazetteer();
    let boston = g.lookup("Boston, MA").unwrap();
    let paris = g.lookup("Paris, France").unwrap();
    let zhengzhou = g.lookup("Zhengzhou").unwrap();
    let houston = g.lookup("77030").unwrap();
    let seoul = g.lookup("Seoul").unwrap();
    let cancer: &[&str] = &[
        "cancer",
        "cancers",
        "cancerous",
        "neoplasm",
        "neoplasms",
        "tumor",
        "tumors",
        "tumour",
        "tumours",
        "malignancy",
        "malignancies",
    ];
    let geo = |p: &search::GeoMatch, r: &str| format!("distance({},{},{r})", p.lat, p.lon);
    let (b, pa, z, h, se) = (
        (boston.lat, boston.lon),
        (paris.lat, paris.lon),
        (zhengzhou.lat, zhengzhou.lon),
        (houston.lat, houston.lon),
        (seoul.lat, seoul.lon),
    );
    vec![
        Case {
            params: vec![
                ("query.cond", "lymphoma".into()),
                ("filter.overallStatus", "RECRUITING".into()),
            ],
            oracle: Box::new(|v| {
                has_condition(v, &[&["lymphoma", "lymphomas"]]) && status_in(v, &["RECRUITING"])
            }),
        },
        Case {
            params: vec![
                ("query.cond", "cancer".into()),
                (
                    "filter.overallStatus",
                    "RECRUITING|NOT_YET_RECRUITING".into(),
                ),
                ("filter.geo", geo(&boston, "300mi")),
                (
                    "filter.advanced",
                    format!("{} AND AREA[Phase](PHASE2 OR PHASE3)", age_filter(70)),
                ),
            ],
            oracle: Box::new(move |v| {
                has_condition(v, &[cancer])
                    && status_in(v, &["RECRUITING", "NOT_YET_RECRUITING"])
                    && nearest_km(v, b).is_some_and(|d| d <= 300.0 * MI)
                    && admits_age(v, 70.0)
                    && phase_in(v, &["PHASE2", "PHASE3"])
            }),
        },
        Case {
            params: vec![
                ("query.cond", "breast cancer".into()),
                ("filter.geo", geo(&paris, "500km")),
                ("filter.advanced", age_filter(45)),
            ],
            oracle: Box::new(move |v| {
                has_condition(v, &[&["breast", "breasts"], cancer])
                    && nearest_km(v, pa).is_some_and(|d| d <= 500.0)
                    && admits_age(v, 45.0)
            }),
        },
        Case {
            params: vec![
                ("query.cond", "lung cancer".into()),
                (
                    "filter.advanced",
                    format!("{} AND AREA[Phase]PHASE3", age_filter(90)),
                ),
            ],
            oracle: Box::new(move |v| {
                has_condition(v, &[&["lung", "lungs", "pulmonary"], cancer])
                    && admits_age(v, 90.0)
                    && phase_in(v, &["PHASE3"])
            }),
        },
        Case {
            params: vec![
                ("query.cond", "leukemia".into()),
                ("filter.advanced", age_filter(10)),
                ("aggFilters", "phase:1 2".into()),
            ],
            oracle: Box::new(|v| {
                has_condition(v, &[&["leukemia", "leukemias", "leukaemia", "leukaemias"]])
                    && admits_age(v, 10.0)
                    && phase_in(v, &["PHASE1", "PHASE2"])
            }),
        },
        Case {
            params: vec![
                ("filter.overallStatus", "RECRUITING".into()),
                ("filter.geo", geo(&zhengzhou, "100km")),
                ("filter.advanced", age_filter(60)),
            ],
            oracle: Box::new(move |v| {
                status_in(v, &["RECRUITING"])
                    && nearest_km(v, z).is_some_and(|d| d <= 100.0)
                    && admits_age(v, 60.0)
            }),
        },
        Case {
            params: vec![
                ("query.cond", "disc herniation".into()),
                ("filter.geo", geo(&houston, "1000mi")),
            ],
            oracle: Box::new(move |v| {
                has_condition(v, &[&["disc", "discs"], &["herniation", "herniations"]])
                    && nearest_km(v, h).is_some_and(|d| d <= 1000.0 * MI)
            }),
        },
        Case {
            params: vec![
                ("query.cond", "carcinoma".into()),
                ("filter.overallStatus", "RECRUITING".into()),
                ("filter.geo", geo(&seoul, "50km")),
                (
                    "filter.advanced",
                    format!(
                        "{} AND AREA[Phase](PHASE1 OR PHASE2 OR PHASE3)",
                        age_filter(18)
                    ),
                ),
            ],
            oracle: Box::new(move |v| {
                has_condition(v, &[&["carcinoma", "carcinomas"]])
                    && status_in(v, &["RECRUITING"])
                    && nearest_km(v, se).is_some_and(|d| d <= 50.0)
                    && admits_age(v, 18.0)
                    && phase_in(v, &["PHASE1", "PHASE2", "PHASE3"])
            }),
        },
    ]
}

/// Every page of a search, following `nextPageToken`.
fn all_pages(
    index: &TrialIndex,
    params: &[(&str, String)],
    page_size: usize,
) -> (Vec<search::SearchHit>, usize) {
    let mut token: Option<String> = None;
    let mut hits = Vec::new();
    let mut total = None;
    loop {
        let mut p: Vec<(String, String)> = params
            .iter()
            .map(|(a, b)| (a.to_string(), b.clone()))
            .collect();
        p.push(("pageSize".into(), page_size.to_string()));
        p.push(("countTotal".into(), "true".into()));
        if let Some(t) = &token {
            p.push(("pageToken".into(), t.clone()));
        }
        let q = StudiesQuery::from_pairs(&p).unwrap();
        let page = index.search(&q).unwrap();
        assert!(page.hits.len() <= page_size);
        if let Some(t) = total {
            assert_eq!(t, page.total_count, "the total stays the same across pages");
        }
        total = Some(page.total_count);
        hits.extend(page.hits);
        match page.next_page_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    (hits, total.unwrap())
}

#[test]
fn search_selects_exactly_what_the_raw_records_say() {
    let (raw, index) = sample();
    let mut nonempty = 0;
    for case in cases() {
        let expected: BTreeSet<String> = raw.iter().filter(|v| (case.oracle)(v)).map(nct).collect();
        let (hits, total) = all_pages(index, &case.params, 7);
        let got: Vec<String> = hits.iter().map(|h| h.nct_id.clone()).collect();
        let got_set: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(
            got.len(),
            got_set.len(),
            "no study twice across pages: {:?}",
            case.params
        );
        let missing: Vec<_> = expected.difference(&got_set).collect();
        let extra: Vec<_> = got_set.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{:?}\n missing {missing:?}\n extra {extra:?}",
            case.params
        );
        assert_eq!(total, expected.len());
        if !expected.is_empty() {
            nonempty += 1;
        }
        eprintln!(
            "{:>4} studies for {:?}",
            expected.len(),
            case.params.iter().map(|(k, _)| *k).collect::<Vec<_>>()
        );
    }
    assert!(
        nonempty >= 6,
        "the cases must select something to prove anything ({nonempty} did)"
    );
}

#[test]
fn distances_are_to_the_nearest_site_and_sort_ascending() {
    let (raw, index) = sample();
    let boston = search::gazetteer().lookup("Boston, MA").unwrap();
    let params = vec![
        (
            "filter.geo",
            format!("distance({},{},200mi)", boston.lat, boston.lon),
        ),
        ("sort", "distance".to_string()),
    ];
    let (hits, _) = all_pages(index, &params, 50);
    assert!(hits.len() > 10);
    let by_id: BTreeMap<String, &Value> = raw.iter().map(|v| (nct(v), v)).collect();
    let mut last = 0.0;
    for h in &hits {
        let n = h
            .nearest_site
            .as_ref()
            .expect("geo hits carry their nearest site");
        assert!(n.distance >= last - 1e-9, "ascending");
        last = n.distance;
        let oracle_mi = nearest_km(by_id[&h.nct_id], (boston.lat, boston.lon)).unwrap() / MI;
        // Points are stored as f32: agreement to a few hundred metres.
        assert!(
            (n.distance - oracle_mi).abs() < 0.2,
            "{}: {} vs {}",
            h.nct_id,
            n.distance,
            oracle_mi
        );
    }
}

#[test]
fn facets_count_the_whole_result_set() {
    let (raw, index) = sample();
    let q = StudiesQuery::from_strs(&[("query.cond", "cancer"), ("pageSize", "3")]).unwrap();
    let page = index.search(&q).unwrap();
    let cancer: &[&str] = &[
        "cancer",
        "cancers",
        "cancerous",
        "neoplasm",
        "neoplasms",
        "tumor",
        "tumors",
        "tumour",
        "tumours",
        "malignancy",
        "malignancies",
    ];
    let selected: Vec<&Value> = raw.iter().filter(|v| has_condition(v, &[cancer])).collect();
    assert_eq!(page.total_count, selected.len());
    assert_eq!(page.hits.len(), 3);
    let mut status: BTreeMap<String, usize> = BTreeMap::new();
    let mut country: BTreeMap<String, usize> = BTreeMap::new();
    for v in &selected {
        *status
            .entry(
                s(v, "/protocolSection/statusModule/overallStatus")
                    .unwrap()
                    .to_string(),
            )
            .or_default() += 1;
        let cs: BTreeSet<&str> = arr(v, "/protocolSection/contactsLocationsModule/locations")
            .iter()
            .filter_map(|l| s(l, "/country"))
            .collect();
        for c in cs {
            *country.entry(c.to_string()).or_default() += 1;
        }
    }
    let got = |name: &str| -> BTreeMap<String, usize> {
        page.facets[name]
            .iter()
            .map(|f| (f.value.clone(), f.count))
            .collect()
    };
    assert_eq!(got("overallStatus"), status);
    assert_eq!(got("locationCountry"), country);

    // Narrowing by status keeps the status facet whole, and narrows the others.
    let q =
        StudiesQuery::from_strs(&[("query.cond", "cancer"), ("aggFilters", "status:rec")]).unwrap();
    let narrowed = index.search(&q).unwrap();
    assert_eq!(
        narrowed.facets["overallStatus"],
        page.facets["overallStatus"]
    );
    assert_eq!(narrowed.total_count, status["RECRUITING"]);
    let phase_total: usize = narrowed.facets["studyType"].iter().map(|f| f.count).sum();
    assert_eq!(phase_total, status["RECRUITING"]);
}

#[test]
fn mesh_ancestors_and_concepts_reach_the_right_trials() {
    let (raw, index) = sample();
    // A trial that says "neoplasm"/"tumor"/"cancer" nowhere but in its MeSH ancestors is found.
    let q = StudiesQuery::from_strs(&[("query.cond", "neoplasms"), ("pageSize", "1000")]).unwrap();
    let ids: BTreeSet<String> = index
        .search(&q)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.nct_id)
        .collect();
    let only_ancestor = raw.iter().find(|v| {
        let conds = arr(v, "/protocolSection/conditionsModule/conditions")
            .iter()
            .filter_map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let anc = arr(v, "/derivedSection/conditionBrowseModule/ancestors")
            .iter()
            .filter_map(|a| s(a, "/term"))
            .any(|t| t == "Neoplasms");
        anc && !conds.contains("cancer") && !conds.contains("neoplasm") && !conds.contains("tumo")
    });
    let v =
        only_ancestor.expect("the sample has a trial whose conditions name a specific neoplasm");
    assert!(
        ids.contains(&nct(v)),
        "{} found through its MeSH ancestor",
        nct(v)
    );
    // "cancer" finds the same trials as "neoplasms" does (and more: titles saying cancer).
    let q = StudiesQuery::from_strs(&[("query.cond", "cancer"), ("pageSize", "1000")]).unwrap();
    let cancer: BTreeSet<String> = index
        .search(&q)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.nct_id)
        .collect();
    assert!(ids.is_subset(&cancer));
}

#[test]
fn relevance_puts_condition_matches_first_and_highlights() {
    let (_, index) = sample();
    let q = StudiesQuery::from_strs(&[("query.cond", "lymphoma"), ("pageSize", "5")]).unwrap();
    let page = index.search(&q).unwrap();
    let top = &page.hits[0];
    assert!(
        top.conditions
            .iter()
            .any(|c| c.to_lowercase().contains("lymphoma")),
        "{top:?}"
    );
    let scores: Vec<f32> = page.hits.iter().map(|h| h.score.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    assert!(
        page.hits
            .iter()
            .any(|h| h.snippet_html.as_deref().is_some_and(|s| s.contains("<b>")))
    );
    // Case and accents fold.
    let q2 = StudiesQuery::from_strs(&[("query.cond", "LYMPHÓMA"), ("pageSize", "5")]).unwrap();
    assert_eq!(index.search(&q2).unwrap().total_count, page.total_count);
}
