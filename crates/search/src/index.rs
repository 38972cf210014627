//! The tantivy index: text for relevance, facts for filters, facets, sorting and distance.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, RwLock};

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::index::SegmentReader;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term,
};

use crate::analysis::{self, fold_words, stem_words};
use crate::expr::Expr;
use crate::facts::{AggId, FACTS_VERSION, FacetGroup, SiteSummary, StudyFacts, date_key};
use crate::geo::{DistanceUnit, distance_km};
use crate::params::{ParamError, QueryArea, SortField, SortKey, StudiesQuery};

/// Why the index could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error(
        "search index at {path} was built by another version ({reason}); rebuild it from the store"
    )]
    Stale { path: String, reason: String },
    #[error("cannot create the search index directory {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Param(#[from] ParamError),
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub nct_id: String,
    /// BM25 relevance when the request had a `query.*`.
    pub score: Option<f32>,
    /// With `filter.geo`: the study's closest site and how far it is.
    pub nearest_site: Option<NearestSite>,
    /// A bit of the brief summary, HTML-escaped, with matched words in `<b>`.
    pub snippet_html: Option<String>,
    pub brief_title: String,
    pub overall_status: String,
    pub phases: Vec<String>,
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NearestSite {
    pub site: SiteSummary,
    pub distance: f64,
    pub unit: DistanceUnit,
}

/// Counts for one facet value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: usize,
}

/// Facet counts over the whole result set, by facet name (`overallStatus`, `phase`, `sex`,
/// `stdAge`, `studyType`, `leadSponsorClass`, `locationCountry`). A facet that an
/// `aggFilters` entry narrows is counted without that entry, so its other options keep their
/// counts and can be added.
pub type Facets = BTreeMap<&'static str, Vec<FacetCount>>;

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub total_count: usize,
    pub next_page_token: Option<String>,
    pub facets: Facets,
}

/// Where a page ends: the last hit's sort values and id, tied to the query it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageCursor {
    values: Vec<Option<f64>>,
    nct: u64,
}

impl PageCursor {
    fn encode(&self, fingerprint: u64) -> String {
        let vals: Vec<String> = self
            .values
            .iter()
            .map(|v| v.map_or_else(|| "n".to_string(), |x| format!("{:x}", x.to_bits())))
            .collect();
        format!("v1.{fingerprint:x}.{}.{}", vals.join("-"), self.nct)
    }

    pub(crate) fn decode(token: &str, fingerprint: u64) -> Result<PageCursor, ParamError> {
        let bad = || {
            ParamError::new(
                "pageToken",
                "the nextPageToken of a previous page of this same query",
            )
        };
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 4 || parts[0] != "v1" {
            return Err(bad());
        }
        if u64::from_str_radix(parts[1], 16).map_err(|_| bad())? != fingerprint {
            return Err(ParamError::new(
                "pageToken",
                "a token from this same query (the other parameters must repeat, except pageSize and countTotal)",
            ));
        }
        let values = if parts[2].is_empty() {
            Vec::new()
        } else {
            parts[2]
                .split('-')
                .map(|v| match v {
                    "n" => Ok(None),
                    h => u64::from_str_radix(h, 16)
                        .map(|b| Some(f64::from_bits(b)))
                        .map_err(|_| bad()),
                })
                .collect::<Result<_, _>>()?
        };
        Ok(PageCursor {
            values,
            nct: parts[3].parse().map_err(|_| bad())?,
        })
    }
}

#[derive(Clone, Copy)]
struct Fields {
    nct: Field,
    facts: Field,
    sites: Field,
    summary: Field,
    brief_title: Field,
    official_title: Field,
    acronym: Field,
    cond: Field,
    cond_mesh: Field,
    cond_anc: Field,
    keyword: Field,
    description: Field,
    intr: Field,
    intr_desc: Field,
    intr_mesh: Field,
    outc: Field,
    spons_lead: Field,
    spons_collab: Field,
    org: Field,
    locn: Field,
    elig: Field,
    ids: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let en = text(analysis::ENGLISH);
    let fields = Fields {
        nct: b.add_u64_field("nct", INDEXED | FAST | STORED),
        facts: b.add_text_field("facts", STORED),
        sites: b.add_text_field("sites", STORED),
        summary: b.add_text_field("summary", en.clone().set_stored()),
        brief_title: b.add_text_field("brief_title", en.clone()),
        official_title: b.add_text_field("official_title", en.clone()),
        acronym: b.add_text_field("acronym", text(analysis::FOLDED)),
        cond: b.add_text_field("cond", en.clone()),
        cond_mesh: b.add_text_field("cond_mesh", en.clone()),
        cond_anc: b.add_text_field("cond_anc", en.clone()),
        keyword: b.add_text_field("keyword", en.clone()),
        description: b.add_text_field("description", en.clone()),
        intr: b.add_text_field("intr", en.clone()),
        intr_desc: b.add_text_field("intr_desc", en.clone()),
        intr_mesh: b.add_text_field("intr_mesh", en.clone()),
        outc: b.add_text_field("outc", en.clone()),
        spons_lead: b.add_text_field("spons_lead", en.clone()),
        spons_collab: b.add_text_field("spons_collab", en.clone()),
        org: b.add_text_field("org", en.clone()),
        locn: b.add_text_field("locn", text(analysis::FOLDED)),
        elig: b.add_text_field("elig", en),
        ids: b.add_text_field("ids", text(analysis::FOLDED)),
    };
    (b.build(), fields)
}

impl Fields {
    /// The fields each `query.*` searches, with the registry's weights.
    fn area(&self, area: QueryArea) -> Vec<(Field, f32)> {
        match area {
            QueryArea::Cond => vec![
                (self.cond, 0.95),
                (self.brief_title, 0.6),
                (self.official_title, 0.55),
                (self.cond_mesh, 0.5),
                (self.cond_anc, 0.4),
                (self.keyword, 0.3),
            ],
            QueryArea::Term | QueryArea::Patient => vec![
                (self.ids, 1.0),
                (self.acronym, 1.0),
                (self.brief_title, 0.89),
                (self.official_title, 0.85),
                (self.cond, 0.81),
                (self.intr, 0.8),
                (self.keyword, 0.6),
                (self.summary, 0.5),
                (self.outc, 0.4),
                (self.spons_lead, 0.4),
                (self.description, 0.3),
                (self.cond_mesh, 0.3),
                (self.intr_mesh, 0.3),
                (self.locn, 0.3),
                (self.cond_anc, 0.25),
                (self.elig, 0.2),
            ],
            QueryArea::Intr => vec![
                (self.intr, 0.95),
                (self.intr_mesh, 0.5),
                (self.intr_desc, 0.3),
            ],
            QueryArea::Titles => vec![
                (self.brief_title, 1.0),
                (self.acronym, 1.0),
                (self.official_title, 0.9),
            ],
            QueryArea::Outc => vec![(self.outc, 1.0)],
            QueryArea::Spons => vec![
                (self.spons_lead, 1.0),
                (self.spons_collab, 0.9),
                (self.org, 0.6),
            ],
            QueryArea::Lead => vec![(self.spons_lead, 1.0)],
            QueryArea::Id => vec![(self.ids, 1.0), (self.acronym, 0.8)],
            QueryArea::Locn => vec![(self.locn, 0.95)],
        }
    }

    /// The fields [`TrialIndex::retrieve`] searches, with boosts favouring the trial's topic.
    fn retrieval(&self) -> Vec<(Field, f32)> {
        vec![
            (self.cond, 1.0),
            (self.brief_title, 0.8),
            (self.official_title, 0.6),
            (self.cond_mesh, 0.6),
            (self.keyword, 0.5),
            (self.summary, 0.4),
            (self.cond_anc, 0.2),
            (self.elig, 0.2),
        ]
    }

    fn is_folded(&self, f: Field) -> bool {
        f == self.ids || f == self.locn || f == self.acronym
    }
}

/// Concept groups that the registry's MeSH entry terms and spelling variants put together;
/// a query word from a group also finds the others (`EXPANSION[None]` turns this off).
/// General vocabulary, not tuned to any data set.
const SYNONYMS: &[&[&str]] = &[
    &["cancer", "neoplasm", "tumor", "tumour", "malignancy"],
    &["heart attack", "myocardial infarction"],
    &["high blood pressure", "hypertension"],
    &["stroke", "cerebrovascular accident"],
    &["kidney", "renal"],
    &["liver", "hepatic"],
    &["lung", "pulmonary"],
    &["heart", "cardiac"],
    &["flu", "influenza"],
    &["hiv", "human immunodeficiency virus"],
    &["copd", "chronic obstructive pulmonary disease"],
    &["nsclc", "non small cell lung"],
    &["leukemia", "leukaemia"],
    &["anemia", "anaemia"],
    &["hemophilia", "haemophilia"],
    &["esophageal", "oesophageal"],
    &["hematologic", "haematologic"],
    &["pediatric", "paediatric"],
];

/// The most entries of a [`TrialIndex::retrieve`] query that are searched (the heaviest): a
/// long note's tail of once-mentioned words adds cost and little recall.
pub const MAX_RETRIEVAL_TERMS: usize = 64;

fn nct_number(id: &str) -> Option<u64> {
    let t = id.trim();
    if t.len() == 11 && t[..3].eq_ignore_ascii_case("NCT") {
        t[3..].parse().ok()
    } else {
        None
    }
}

fn nct_string(n: u64) -> String {
    format!("NCT{n:08}")
}

/// Collects every matching document with its score.
struct AllHits {
    scoring: bool,
}

struct AllHitsSegment {
    nct: Column<u64>,
    segment: u32,
    hits: Vec<(u64, Score, DocAddress)>,
}

impl Collector for AllHits {
    type Fruit = Vec<(u64, Score, DocAddress)>;
    type Child = AllHitsSegment;

    fn for_segment(&self, segment: u32, reader: &SegmentReader) -> tantivy::Result<AllHitsSegment> {
        Ok(AllHitsSegment {
            nct: reader.fast_fields().u64("nct")?,
            segment,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for AllHitsSegment {
    type Fruit = Vec<(u64, Score, DocAddress)>;

    fn collect(&mut self, doc: u32, score: Score) {
        if let Some(n) = self.nct.first(doc) {
            self.hits
                .push((n, score, DocAddress::new(self.segment, doc)));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}

/// The search index over trials. It is derived data: the store is the source of truth, and
/// [`TrialIndex::rebuild`] recreates the index from it.
pub struct TrialIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    facts: RwLock<HashMap<u64, StudyFacts>>,
}

impl TrialIndex {
    /// Opens the index in `dir`, creating an empty one when there is none.
    pub fn open(dir: &Path) -> Result<TrialIndex, IndexError> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let stale = |reason: String| IndexError::Stale {
            path: dir.display().to_string(),
            reason,
        };
        let index = if dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir)?;
            if index.schema() != schema {
                return Err(stale("the index schema differs".into()));
            }
            index
        } else {
            Index::create_in_dir(dir, schema)?
        };
        let ti = TrialIndex::with_index(index, fields)?;
        ti.load_facts().map_err(|e| match e {
            IndexError::Stale { reason, .. } => stale(reason),
            other => other,
        })?;
        Ok(ti)
    }

    /// Deletes whatever index is in `dir` and creates an empty one: what to do when
    /// [`TrialIndex::open`] reports [`IndexError::Stale`], before [`TrialIndex::rebuild`].
    pub fn recreate(dir: &Path) -> Result<TrialIndex, IndexError> {
        let io = |source| IndexError::Io {
            path: dir.display().to_string(),
            source,
        };
        if dir.exists() {
            // Only the index's own files: the directory may be shared with other data.
            for entry in std::fs::read_dir(dir).map_err(io)? {
                let path = entry.map_err(io)?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                let ours = name == "meta.json"
                    || name == ".managed.json"
                    || name.starts_with(".tantivy")
                    || name.split('.').next().is_some_and(|stem| {
                        stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
                    });
                if ours && path.is_file() {
                    std::fs::remove_file(&path).map_err(io)?;
                }
            }
        }
        TrialIndex::open(dir)
    }

    /// An index held in memory, for tests and one-off tools.
    pub fn open_in_ram() -> Result<TrialIndex, IndexError> {
        let (schema, fields) = schema();
        TrialIndex::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(mut index: Index, fields: Fields) -> Result<TrialIndex, IndexError> {
        // Searches run over the index's segments in parallel, one thread a core: a large
        // index has several segments, and a patient's retrieval query is long.
        let threads = std::env::var("TRIALBRIDGE_SEARCH_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if threads > 1 {
            index.set_multithread_executor(threads)?;
        }
        index
            .tokenizers()
            .register(analysis::ENGLISH, analysis::english());
        index
            .tokenizers()
            .register(analysis::FOLDED, analysis::folded());
        let writer = index.writer_with_num_threads(1, 64_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(TrialIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            facts: RwLock::new(HashMap::new()),
        })
    }

    fn load_facts(&self) -> Result<(), IndexError> {
        let searcher = self.reader.searcher();
        let mut map = HashMap::new();
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            for doc in seg.doc_ids_alive() {
                let d: TantivyDocument = searcher.doc(DocAddress::new(ord as u32, doc))?;
                let text = d
                    .get_first(self.fields.facts)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                let facts: StudyFacts =
                    serde_json::from_str(text).map_err(|e| IndexError::Stale {
                        path: String::new(),
                        reason: format!("stored facts unreadable: {e}"),
                    })?;
                if facts.v != FACTS_VERSION {
                    return Err(IndexError::Stale {
                        path: String::new(),
                        reason: format!("facts version {} (expected {FACTS_VERSION})", facts.v),
                    });
                }
                if let Some(n) = nct_number(&facts.nct_id) {
                    map.insert(n, facts);
                }
            }
        }
        *self.facts.write().unwrap() = map;
        Ok(())
    }

    /// Number of studies indexed.
    pub fn len(&self) -> usize {
        self.facts.read().unwrap().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, study: &ctgov::Study) -> Option<(u64, TantivyDocument, StudyFacts)> {
        let f = &self.fields;
        let n = nct_number(study.nct_id())?;
        let (facts, sites) = StudyFacts::from_study(study);
        let mut d = TantivyDocument::default();
        d.add_u64(f.nct, n);
        d.add_text(
            f.facts,
            serde_json::to_string(&facts).expect("facts serialize"),
        );
        d.add_text(
            f.sites,
            serde_json::to_string(&sites).expect("sites serialize"),
        );
        let p = &study.protocol_section;
        let idm = &p.identification_module;
        d.add_text(f.brief_title, &idm.brief_title);
        d.add_text(f.ids, &facts.nct_id);
        if let Some(t) = &idm.official_title {
            d.add_text(f.official_title, t);
        }
        if let Some(a) = &idm.acronym {
            d.add_text(f.acronym, a);
        }
        if let Some(o) = &idm.org_study_id_info {
            d.add_text(f.ids, &o.id);
        }
        if let Some(o) = &idm.organization {
            d.add_text(f.org, &o.full_name);
        }
        if let Some(s) = study.brief_summary() {
            d.add_text(f.summary, s);
        }
        if let Some(s) = p
            .description_module
            .as_ref()
            .and_then(|m| m.detailed_description.as_ref())
        {
            d.add_text(f.description, s);
        }
        for c in study.conditions() {
            d.add_text(f.cond, c);
        }
        for k in study.keywords() {
            d.add_text(f.keyword, k);
        }
        if let Some(b) = study
            .derived_section
            .as_ref()
            .and_then(|d| d.condition_browse_module.as_ref())
        {
            for m in &b.meshes {
                d.add_text(f.cond_mesh, &m.term);
            }
            for m in &b.ancestors {
                d.add_text(f.cond_anc, &m.term);
            }
        }
        for i in study.interventions() {
            d.add_text(f.intr, &i.name);
            for o in &i.other_names {
                d.add_text(f.intr, o);
            }
            if let Some(desc) = &i.description {
                d.add_text(f.intr_desc, desc);
            }
        }
        for m in study.intervention_meshes() {
            d.add_text(f.intr_mesh, &m.term);
        }
        if let Some(o) = &p.outcomes_module {
            for x in o.primary_outcomes.iter().chain(&o.secondary_outcomes) {
                d.add_text(f.outc, &x.measure);
            }
        }
        if let Some(s) = &p.sponsor_collaborators_module {
            if let Some(l) = &s.lead_sponsor {
                d.add_text(f.spons_lead, &l.name);
            }
            for c in &s.collaborators {
                d.add_text(f.spons_collab, &c.name);
            }
        }
        for l in study.locations() {
            let parts: Vec<&str> = [&l.facility, &l.city, &l.state, &l.zip, &l.country]
                .iter()
                .filter_map(|x| x.as_deref())
                .collect();
            d.add_text(f.locn, parts.join(", "));
        }
        if let Some(c) = study.eligibility_criteria() {
            d.add_text(f.elig, c);
        }
        Some((n, d, facts))
    }

    /// Adds or replaces studies (by NCT id) and makes the change visible to searches.
    /// Studies without a readable NCT id are skipped; the count of those indexed is returned.
    pub fn upsert(&self, studies: &[&ctgov::Study]) -> Result<usize, IndexError> {
        let mut writer = self.writer.lock().unwrap();
        let mut new_facts = Vec::with_capacity(studies.len());
        for s in studies {
            let Some((n, doc, facts)) = self.document(s) else {
                continue;
            };
            writer.delete_term(Term::from_field_u64(self.fields.nct, n));
            writer.add_document(doc)?;
            new_facts.push((n, facts));
        }
        writer.commit()?;
        self.reader.reload()?;
        let count = new_facts.len();
        self.facts.write().unwrap().extend(new_facts);
        Ok(count)
    }

    /// Removes studies by NCT id; unknown ids are ignored.
    pub fn delete(&self, nct_ids: &[&str]) -> Result<(), IndexError> {
        let mut writer = self.writer.lock().unwrap();
        let nums: Vec<u64> = nct_ids.iter().filter_map(|id| nct_number(id)).collect();
        for &n in &nums {
            writer.delete_term(Term::from_field_u64(self.fields.nct, n));
        }
        writer.commit()?;
        self.reader.reload()?;
        let mut facts = self.facts.write().unwrap();
        for n in nums {
            facts.remove(&n);
        }
        Ok(())
    }

    /// Replaces the whole index with `studies` (read from the store). Returns how many were
    /// indexed.
    pub fn rebuild(
        &self,
        studies: impl Iterator<Item = ctgov::Study>,
    ) -> Result<usize, IndexError> {
        let mut writer = self.writer.lock().unwrap();
        writer.delete_all_documents()?;
        let mut map = HashMap::new();
        for s in studies {
            let Some((n, doc, facts)) = self.document(&s) else {
                continue;
            };
            if map.contains_key(&n) {
                writer.delete_term(Term::from_field_u64(self.fields.nct, n));
            }
            writer.add_document(doc)?;
            map.insert(n, facts);
        }
        writer.commit()?;
        self.reader.reload()?;
        let count = map.len();
        *self.facts.write().unwrap() = map;
        Ok(count)
    }

    /// Runs a search. See [`StudiesQuery`] for what a request can hold.
    pub fn search(&self, q: &StudiesQuery) -> Result<SearchPage, IndexError> {
        let searcher = self.reader.searcher();
        let mut highlight: Vec<String> = Vec::new();
        let query: Box<dyn Query> = if q.queries.is_empty() {
            Box::new(AllQuery)
        } else {
            let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (area, e) in &q.queries {
                must.push((Occur::Must, self.expr_query(*area, e, true, &mut highlight)));
            }
            Box::new(BooleanQuery::new(must))
        };
        let raw = searcher.search(
            &*query,
            &AllHits {
                scoring: !q.queries.is_empty(),
            },
        )?;

        struct Cand<'a> {
            nct: u64,
            score: Option<f32>,
            addr: DocAddress,
            facts: &'a StudyFacts,
            nearest: Option<(u32, f64)>,
        }
        let facts = self.facts.read().unwrap();
        let ids: Option<HashSet<u64>> = q
            .ids
            .as_ref()
            .map(|v| v.iter().filter_map(|i| nct_number(i)).collect());
        let mut seen = HashSet::new();
        let mut base: Vec<Cand> = Vec::new();
        for (n, score, addr) in raw {
            let Some(f) = facts.get(&n) else { continue };
            if !seen.insert(n) {
                continue;
            }
            if ids.as_ref().is_some_and(|ids| !ids.contains(&n)) {
                continue;
            }
            if q.overall_status
                .as_ref()
                .is_some_and(|s| !s.contains(&f.status))
            {
                continue;
            }
            if q.advanced.as_ref().is_some_and(|a| !a.matches(f)) {
                continue;
            }
            let mut nearest = None;
            if let Some(g) = &q.geo {
                let radius = g.radius_km();
                // A site farther in latitude than the radius cannot be inside it; skipping
                // those first spares most of the trigonometry and changes no answer.
                let lat_band = radius / 110.5 + 0.01;
                nearest = f
                    .points
                    .iter()
                    .filter(|(lat, _, _)| (*lat as f64 - g.lat).abs() <= lat_band)
                    .map(|(lat, lon, i)| (*i, distance_km(g.lat, g.lon, *lat as f64, *lon as f64)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                if nearest.is_none_or(|(_, d)| d > radius) {
                    continue;
                }
            }
            let score = (!q.queries.is_empty()).then_some(score);
            base.push(Cand {
                nct: n,
                score,
                addr,
                facts: f,
                nearest,
            });
        }

        // Facets, counted over every result; each facet ignores its own aggFilter.
        let mut counts: Vec<HashMap<&str, usize>> = vec![HashMap::new(); FacetGroup::ALL.len()];
        let mut results: Vec<Cand> = Vec::new();
        for c in base {
            let pass: Vec<(AggId, bool)> = q
                .agg_filters
                .iter()
                .map(|a| (a.id, a.matches(c.facts)))
                .collect();
            for (gi, g) in FacetGroup::ALL.into_iter().enumerate() {
                if pass.iter().all(|(id, ok)| *ok || id.facet() == Some(g)) {
                    let slot = &mut counts[gi];
                    g.for_each_value(c.facts, |v| *slot.entry(v).or_default() += 1);
                }
            }
            if pass.iter().all(|(_, ok)| *ok) {
                results.push(c);
            }
        }
        let mut facets: Facets = BTreeMap::new();
        for (g, counted) in FacetGroup::ALL.into_iter().zip(counts) {
            let mut list: Vec<FacetCount> = counted
                .into_iter()
                .map(|(v, n)| FacetCount {
                    value: v.to_string(),
                    count: n,
                })
                .collect();
            list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            facets.insert(g.name(), list);
        }

        let order = q.effective_sort();
        let key = |c: &Cand| -> Vec<Option<f64>> {
            order
                .iter()
                .map(|k| sort_value(k, c.score, c.nearest.map(|n| n.1), c.facts))
                .collect()
        };
        let mut keyed: Vec<(Vec<Option<f64>>, Cand)> =
            results.into_iter().map(|c| (key(&c), c)).collect();
        keyed.sort_by(|a, b| compare(&order, &a.0, a.1.nct, &b.0, b.1.nct));
        let total_count = keyed.len();
        let start = match &q.page_token {
            None => 0,
            Some(t) => {
                let cur = PageCursor::decode(t, q.fingerprint)?;
                if cur.values.len() != order.len() {
                    return Err(ParamError::new("pageToken", "a token from this same query").into());
                }
                keyed.partition_point(|(k, c)| {
                    compare(&order, k, c.nct, &cur.values, cur.nct) != Ordering::Greater
                })
            }
        };
        let end = (start + q.page_size).min(keyed.len());
        let next_page_token = (end < keyed.len() && end > start).then(|| {
            let (k, c) = &keyed[end - 1];
            PageCursor {
                values: k.clone(),
                nct: c.nct,
            }
            .encode(q.fingerprint)
        });

        let snippets = if highlight.is_empty() {
            None
        } else {
            let terms: Vec<(Occur, Box<dyn Query>)> = highlight
                .iter()
                .map(|t| {
                    let tq: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.summary, t),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, tq)
                })
                .collect();
            let mut g = SnippetGenerator::create(
                &searcher,
                &BooleanQuery::new(terms),
                self.fields.summary,
            )?;
            g.set_max_num_chars(240);
            Some(g)
        };
        let mut hits = Vec::with_capacity(end - start);
        for (_, c) in &keyed[start..end] {
            let doc: TantivyDocument = searcher.doc(c.addr)?;
            let summary = doc
                .get_first(self.fields.summary)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let snippet_html = if summary.is_empty() {
                None
            } else {
                let s = snippets.as_ref().map(|g| g.snippet(summary));
                match s {
                    Some(s) if !s.highlighted().is_empty() => Some(s.to_html()),
                    _ => Some(html_escape(&truncate_words(summary, 240))),
                }
            };
            let nearest_site = match (c.nearest, &q.geo) {
                (Some((site, km)), Some(g)) => {
                    let sites: Vec<Option<SiteSummary>> = doc
                        .get_first(self.fields.sites)
                        .and_then(|v| v.as_str())
                        .and_then(|s| serde_json::from_str(s).ok())
                        .unwrap_or_default();
                    sites
                        .into_iter()
                        .nth(site as usize)
                        .flatten()
                        .map(|site| NearestSite {
                            site,
                            distance: g.unit.from_km(km),
                            unit: g.unit,
                        })
                }
                _ => None,
            };
            hits.push(SearchHit {
                nct_id: nct_string(c.nct),
                score: c.score,
                nearest_site,
                snippet_html,
                brief_title: c.facts.brief_title.clone(),
                overall_status: c.facts.status.clone(),
                phases: c.facts.phases.clone(),
                conditions: c.facts.conditions.clone(),
            });
        }
        Ok(SearchPage {
            hits,
            total_count,
            next_page_token,
            facets,
        })
    }

    /// Retrieval for a patient: the `limit` trials that best match weighted words and phrases,
    /// best first, as `(NCT id, BM25 score)`.
    ///
    /// Each entry of `terms` is text (a word such as "carcinoma", or a phrase such as "breast
    /// cancer") with a weight. It is analyzed as the index stores text (lower-cased, folded,
    /// stemmed), so "Cancers" finds "cancer". A phrase must appear as a phrase in one field;
    /// a term of the synonym groups also finds the other members ("tumour" finds "neoplasm").
    /// Every entry is optional (a weighted OR): trials are scored by BM25 over the conditions,
    /// titles, condition MeSH terms, keywords, summary and eligibility criteria, with field
    /// boosts that favour what the trial is about (conditions and titles) over what it merely
    /// mentions (its criteria). Entries without a searchable word, or with a weight that is not
    /// positive, are ignored: a patient with no known words gets an empty list, not an error.
    /// Entries analyzing to the same words are merged (weights added). At most
    /// [`MAX_RETRIEVAL_TERMS`] entries are used, the heaviest first.
    pub fn retrieve(
        &self,
        terms: &[(String, f32)],
        limit: usize,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Merge entries by their analyzed words, keeping the first spelling.
        let mut merged: Vec<(Vec<String>, String, f32)> = Vec::new();
        for (text, weight) in terms {
            if !(weight.is_finite() && *weight > 0.0) {
                continue;
            }
            let toks = stem_words(text);
            if toks.is_empty() {
                continue;
            }
            match merged.iter_mut().find(|(t, _, _)| *t == toks) {
                Some(m) => m.2 += weight,
                None => merged.push((toks, text.clone(), *weight)),
            }
        }
        // Heaviest first; a stable sort keeps the caller's order among equals.
        merged.sort_by(|a, b| b.2.total_cmp(&a.2));
        merged.truncate(MAX_RETRIEVAL_TERMS);
        let fields = self.fields.retrieval();
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (_, text, weight) in &merged {
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut seen: Vec<Vec<String>> = Vec::new();
            for alt in synonym_alternatives(text) {
                let toks = stem_words(&alt);
                // "Leukemias" and its group's "leukemia" are one alternative, not two.
                if seen.contains(&toks) {
                    continue;
                }
                seen.push(toks.clone());
                for (field, boost) in &fields {
                    let q: Box<dyn Query> = match toks.len() {
                        0 => continue,
                        1 => Box::new(TermQuery::new(
                            Term::from_field_text(*field, &toks[0]),
                            IndexRecordOption::WithFreqs,
                        )),
                        _ => Box::new(PhraseQuery::new(
                            toks.iter()
                                .map(|t| Term::from_field_text(*field, t))
                                .collect(),
                        )),
                    };
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(q, *boost))));
                }
            }
            if alternatives.is_empty() {
                continue;
            }
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(BooleanQuery::new(alternatives)),
                    *weight,
                )),
            ));
        }
        if should.is_empty() {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(should);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut columns: HashMap<u32, Column<u64>> = HashMap::new();
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let column = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .u64("nct")?,
                ),
            };
            if let Some(n) = column.first(addr.doc_id) {
                out.push((nct_string(n), score));
            }
        }
        Ok(out)
    }

    /// The tantivy query for one `query.*` expression. Positive words are added to
    /// `highlight` (stemmed, as the summary field stores them).
    fn expr_query(
        &self,
        area: QueryArea,
        e: &Expr,
        expand: bool,
        highlight: &mut Vec<String>,
    ) -> Box<dyn Query> {
        match e {
            Expr::Text { text, phrase } => self.text_query(area, text, *phrase, expand, highlight),
            Expr::All => Box::new(AllQuery),
            Expr::Expansion { kind, expr } => {
                self.expr_query(area, expr, expand && kind != "None", highlight)
            }
            Expr::Coverage { expr, .. } | Expr::Area { expr, .. } => {
                self.expr_query(area, expr, expand, highlight)
            }
            Expr::Not(x) => {
                let mut ignored = Vec::new();
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery)),
                    (
                        Occur::MustNot,
                        self.expr_query(area, x, expand, &mut ignored),
                    ),
                ]))
            }
            Expr::And(items) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for i in items {
                    match i {
                        Expr::Not(x) => {
                            let mut ignored = Vec::new();
                            clauses.push((
                                Occur::MustNot,
                                self.expr_query(area, x, expand, &mut ignored),
                            ))
                        }
                        other => clauses
                            .push((Occur::Must, self.expr_query(area, other, expand, highlight))),
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(items) => Box::new(BooleanQuery::new(
                items
                    .iter()
                    .map(|i| (Occur::Should, self.expr_query(area, i, expand, highlight)))
                    .collect(),
            )),
            // Rejected when the parameters are parsed.
            Expr::Range { .. } | Expr::Missing => Box::new(AllQuery),
        }
    }

    /// Words (each required, in any field of the area) or a phrase (in one field).
    fn text_query(
        &self,
        area: QueryArea,
        text: &str,
        phrase: bool,
        expand: bool,
        highlight: &mut Vec<String>,
    ) -> Box<dyn Query> {
        let fields = self.fields.area(area);
        let synonyms = expand
            && matches!(
                area,
                QueryArea::Cond | QueryArea::Term | QueryArea::Patient | QueryArea::Titles
            );
        // Alternatives for one span of the query: each is a phrase searched in every field.
        let span_query = |alternatives: &[&str], highlight: &mut Vec<String>| -> Box<dyn Query> {
            let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for alt in alternatives {
                highlight.extend(stem_words(alt));
                for (field, weight) in &fields {
                    let toks = if self.fields.is_folded(*field) {
                        fold_words(alt)
                    } else {
                        stem_words(alt)
                    };
                    let q: Box<dyn Query> = match toks.len() {
                        0 => continue,
                        1 => Box::new(TermQuery::new(
                            Term::from_field_text(*field, &toks[0]),
                            IndexRecordOption::WithFreqs,
                        )),
                        _ => Box::new(PhraseQuery::new(
                            toks.iter()
                                .map(|t| Term::from_field_text(*field, t))
                                .collect(),
                        )),
                    };
                    should.push((Occur::Should, Box::new(BoostQuery::new(q, *weight))));
                }
            }
            if should.is_empty() {
                Box::new(tantivy::query::EmptyQuery)
            } else {
                Box::new(BooleanQuery::new(should))
            }
        };
        if phrase {
            let alts = if synonyms {
                synonym_alternatives(text)
            } else {
                vec![text.to_string()]
            };
            let refs: Vec<&str> = alts.iter().map(String::as_str).collect();
            return span_query(&refs, highlight);
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            // The longest run of words that names a synonym group.
            let mut matched = None;
            if synonyms {
                for len in (1..=(words.len() - i).min(5)).rev() {
                    let span = words[i..i + len].join(" ");
                    if let Some(group) = synonym_group(&span) {
                        matched = Some((len, group));
                        break;
                    }
                }
            }
            match matched {
                Some((len, group)) => {
                    must.push((Occur::Must, span_query(group, highlight)));
                    i += len;
                }
                None => {
                    if stem_words(words[i]).is_empty() && fold_words(words[i]).is_empty() {
                        i += 1;
                        continue;
                    }
                    must.push((Occur::Must, span_query(&[words[i]], highlight)));
                    i += 1;
                }
            }
        }
        if must.is_empty() {
            return Box::new(tantivy::query::EmptyQuery);
        }
        Box::new(BooleanQuery::new(must))
    }
}

fn synonym_group(span: &str) -> Option<&'static [&'static str]> {
    let key = stem_words(span);
    if key.is_empty() {
        return None;
    }
    SYNONYMS
        .iter()
        .copied()
        .find(|g| g.iter().any(|m| stem_words(m) == key))
}

/// A phrase with each synonym-group member replaced by the others.
fn synonym_alternatives(phrase: &str) -> Vec<String> {
    let mut out = vec![phrase.to_string()];
    let words: Vec<&str> = phrase.split_whitespace().collect();
    for len in 1..=words.len().min(5) {
        for i in 0..=words.len() - len {
            if let Some(group) = synonym_group(&words[i..i + len].join(" ")) {
                for m in group {
                    let alt = [&words[..i], &[*m], &words[i + len..]].concat().join(" ");
                    if !out.contains(&alt) {
                        out.push(alt);
                    }
                }
            }
        }
    }
    out
}

fn sort_value(k: &SortKey, score: Option<f32>, km: Option<f64>, f: &StudyFacts) -> Option<f64> {
    match k.field {
        SortField::Relevance => score.map(|s| s as f64),
        SortField::Distance => km,
        SortField::Date(d) => f
            .date_of(d)
            .and_then(|v| date_key(v, false))
            .map(|k| k as f64),
        SortField::EnrollmentCount => f.enrollment.map(|n| n as f64),
    }
}

/// Order by the sort keys (missing values last whatever the direction), then by NCT id.
fn compare(order: &[SortKey], a: &[Option<f64>], an: u64, b: &[Option<f64>], bn: u64) -> Ordering {
    for (i, k) in order.iter().enumerate() {
        let o = match (a.get(i).copied().flatten(), b.get(i).copied().flatten()) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let o = x.total_cmp(&y);
                if k.descending { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    an.cmp(&bn)
}

fn truncate_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(char::is_whitespace) {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_query() {
        let c = PageCursor {
            values: vec![Some(1.5), None],
            nct: 1234567,
        };
        let t = c.encode(42);
        assert_eq!(PageCursor::decode(&t, 42).unwrap(), c);
        assert!(PageCursor::decode(&t, 43).is_err());
        assert!(PageCursor::decode("v1.2a.zz.1", 42).is_err());
    }

    #[test]
    fn synonyms_expand_lay_words() {
        assert!(synonym_group("cancers").unwrap().contains(&"neoplasm"));
        assert!(synonym_group("heart attack").is_some());
        assert!(synonym_alternatives("lung cancer").contains(&"lung neoplasm".to_string()));
        assert!(synonym_group("asthma").is_none());
    }
}
