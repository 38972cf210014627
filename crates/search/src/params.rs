//! The `/api/v2/studies` parameters: parsing and validation into a [`StudiesQuery`].
//!
//! Names and value syntax are the registry's. Unlike the registry, anything not understood
//! is a [`ParamError`] naming the parameter and what was expected, never an empty result.

use crate::expr::{self, Expr};
use crate::facts::{self, AggFilter, AggId, DateField, Filter, STATUSES};
use crate::geo::{DistanceUnit, GeoFilter};
use crate::project::FieldSelector;

/// A parameter that could not be accepted: which one, and what it should have been.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {expected}")]
pub struct ParamError {
    pub param: String,
    pub expected: String,
}

impl ParamError {
    pub fn new(param: impl Into<String>, expected: impl Into<String>) -> ParamError {
        ParamError {
            param: param.into(),
            expected: expected.into(),
        }
    }
}

/// The search areas of the `query.*` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryArea {
    /// `query.cond`: conditions, their MeSH terms and ancestors, titles, keywords.
    Cond,
    /// `query.term`: everything ("Other terms").
    Term,
    /// `query.intr`: interventions.
    Intr,
    /// `query.titles`: titles and acronym.
    Titles,
    /// `query.outc`: outcome measures.
    Outc,
    /// `query.spons`: lead sponsor, collaborators, organization.
    Spons,
    /// `query.lead`: lead sponsor name.
    Lead,
    /// `query.id`: NCT id, organization and secondary ids, acronym.
    Id,
    /// `query.locn`: site facility, city, state, ZIP, country.
    Locn,
    /// `query.patient`: searched like `query.term`.
    Patient,
}

impl QueryArea {
    pub const ALL: [(&'static str, QueryArea); 10] = [
        ("query.cond", QueryArea::Cond),
        ("query.term", QueryArea::Term),
        ("query.intr", QueryArea::Intr),
        ("query.titles", QueryArea::Titles),
        ("query.outc", QueryArea::Outc),
        ("query.spons", QueryArea::Spons),
        ("query.lead", QueryArea::Lead),
        ("query.id", QueryArea::Id),
        ("query.locn", QueryArea::Locn),
        ("query.patient", QueryArea::Patient),
    ];

    pub fn param(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(n, _)| *n)
            .unwrap_or_default()
    }
}

/// What results are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Relevance,
    /// Distance to the nearest site; needs `filter.geo`.
    Distance,
    Date(DateField),
    EnrollmentCount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// A validated `/studies` request.
#[derive(Debug, Clone)]
pub struct StudiesQuery {
    /// Relevance queries, ANDed.
    pub queries: Vec<(QueryArea, Expr)>,
    pub overall_status: Option<Vec<String>>,
    pub ids: Option<Vec<String>>,
    pub geo: Option<GeoFilter>,
    pub advanced: Option<Filter>,
    pub agg_filters: Vec<AggFilter>,
    /// Empty means the default order (see [`StudiesQuery::effective_sort`]).
    pub sort: Vec<SortKey>,
    pub page_size: usize,
    pub page_token: Option<String>,
    pub count_total: bool,
    pub fields: Option<Vec<FieldSelector>>,
    pub format: Format,
    /// Hash of everything that selects and orders results; a page token carries it.
    pub(crate) fingerprint: u64,
}

impl Default for StudiesQuery {
    fn default() -> Self {
        StudiesQuery::from_pairs(&[]).expect("no parameters is a valid query")
    }
}

pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 1000;

pub(crate) const OTHER_PARAMS: &[&str] = &[
    "filter.overallStatus",
    "filter.geo",
    "filter.ids",
    "filter.advanced",
    "postFilter.overallStatus",
    "postFilter.geo",
    "postFilter.ids",
    "postFilter.advanced",
    "aggFilters",
    "geoDecay",
    "sort",
    "pageSize",
    "pageToken",
    "countTotal",
    "fields",
    "format",
    "markupFormat",
];

fn split_list(v: &str) -> Vec<String> {
    v.split([',', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// FNV-1a: a hash that stays the same across builds, so page tokens survive a restart.
fn fnv(data: &[u8], mut h: u64) -> u64 {
    for b in data {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl StudiesQuery {
    /// Parses the request's query-string pairs, in order. Every parameter may appear once.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<StudiesQuery, ParamError> {
        let mut q = StudiesQuery {
            queries: Vec::new(),
            overall_status: None,
            ids: None,
            geo: None,
            advanced: None,
            agg_filters: Vec::new(),
            sort: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
            page_token: None,
            count_total: false,
            fields: None,
            format: Format::Json,
            fingerprint: 0,
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut advanced: Vec<Filter> = Vec::new();
        let mut selecting: Vec<(&str, &str)> = Vec::new();
        for (name, value) in pairs {
            let name = name.as_str();
            let known =
                QueryArea::ALL.iter().any(|(n, _)| *n == name) || OTHER_PARAMS.contains(&name);
            if !known {
                let mut all: Vec<&str> = QueryArea::ALL.iter().map(|(n, _)| *n).collect();
                all.extend(OTHER_PARAMS);
                return Err(ParamError::new(
                    name,
                    format!("unknown parameter (expected one of {})", all.join(", ")),
                ));
            }
            if seen.contains(&name) {
                return Err(ParamError::new(
                    name,
                    "given more than once (expected at most one value)",
                ));
            }
            seen.push(name);
            let value = value.trim();
            if !matches!(name, "pageSize" | "pageToken" | "countTotal" | "format") {
                selecting.push((name, value));
            }
            if let Some((_, area)) = QueryArea::ALL.iter().find(|(n, _)| *n == name) {
                if value.is_empty() {
                    continue;
                }
                let e = expr::parse(value)
                    .map_err(|e| ParamError::new(name, format!("malformed expression: {e}")))?;
                let (text, filters) = split_query(e).map_err(|m| ParamError::new(name, m))?;
                if let Some(text) = text {
                    q.queries.push((*area, text));
                }
                advanced.extend(filters);
                continue;
            }
            let param = name
                .strip_prefix("postFilter.")
                .map(|r| format!("filter.{r}"));
            match param.as_deref().unwrap_or(name) {
                "filter.overallStatus" => {
                    let mut list = Vec::new();
                    for s in split_list(value) {
                        let code = s.to_ascii_uppercase();
                        if !STATUSES.contains(&code.as_str()) {
                            return Err(ParamError::new(
                                name,
                                format!(
                                    "'{s}' is not a status (expected a list of {})",
                                    STATUSES.join(", ")
                                ),
                            ));
                        }
                        list.push(code);
                    }
                    if list.is_empty() {
                        return Err(ParamError::new(
                            name,
                            "a list of statuses separated by ',' or '|'",
                        ));
                    }
                    q.overall_status = Some(merge_and(q.overall_status.take(), list));
                }
                "filter.ids" => {
                    let mut list = Vec::new();
                    for s in value
                        .split([',', '|', ' '])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                    {
                        let id = ctgov::NctId::parse(s).map_err(|_| {
                            ParamError::new(
                                name,
                                format!(
                                    "'{s}' is not an NCT id (expected NCT followed by 8 digits)"
                                ),
                            )
                        })?;
                        list.push(id.as_str().to_string());
                    }
                    if list.is_empty() {
                        return Err(ParamError::new(name, "a list of NCT ids"));
                    }
                    q.ids = Some(merge_and(q.ids.take(), list));
                }
                "filter.geo" => {
                    if q.geo.is_some() {
                        return Err(ParamError::new(
                            name,
                            "only one geo filter (filter.geo or postFilter.geo)",
                        ));
                    }
                    q.geo = Some(GeoFilter::parse(value).map_err(|m| ParamError::new(name, m))?);
                }
                "filter.advanced" => {
                    let e = expr::parse(value)
                        .map_err(|e| ParamError::new(name, format!("malformed expression: {e}")))?;
                    advanced.push(facts::compile(&e).map_err(|m| ParamError::new(name, m))?);
                }
                "aggFilters" => {
                    q.agg_filters =
                        parse_agg_filters(value).map_err(|m| ParamError::new(name, m))?
                }
                "geoDecay" => {
                    // Accepted for compatibility; ranking by distance is asked for with sort=distance.
                    if !value.is_empty() && !value.starts_with("func:") {
                        return Err(ParamError::new(
                            name,
                            "func:(gauss|exp|linear),scale:…,offset:…,decay:…",
                        ));
                    }
                }
                "sort" => q.sort = parse_sort(value).map_err(|m| ParamError::new(name, m))?,
                "pageSize" => {
                    q.page_size = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n <= MAX_PAGE_SIZE)
                        .ok_or_else(|| {
                            ParamError::new(name, format!("an integer from 0 to {MAX_PAGE_SIZE}"))
                        })?;
                }
                "pageToken" => {
                    if !value.is_empty() {
                        q.page_token = Some(value.to_string());
                    }
                }
                "countTotal" => {
                    q.count_total = match value.to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" | "" => false,
                        _ => return Err(ParamError::new(name, "true or false")),
                    }
                }
                "fields" => {
                    let mut list = Vec::new();
                    for f in split_list(value) {
                        list.push(FieldSelector::parse(&f).map_err(|m| ParamError::new(name, m))?);
                    }
                    if list.is_empty() {
                        return Err(ParamError::new(
                            name,
                            "a list of field, piece or area names",
                        ));
                    }
                    q.fields = Some(list);
                }
                "format" => {
                    q.format = match value.to_ascii_lowercase().as_str() {
                        "json" | "" => Format::Json,
                        "csv" => Format::Csv,
                        _ => return Err(ParamError::new(name, "json or csv")),
                    }
                }
                "markupFormat" => {
                    if !matches!(value, "" | "markdown") {
                        return Err(ParamError::new(
                            name,
                            "markdown (the only markup format served)",
                        ));
                    }
                }
                _ => unreachable!("every known parameter is handled"),
            }
        }
        q.advanced = match advanced.len() {
            0 => None,
            1 => advanced.pop(),
            _ => Some(Filter::And(advanced)),
        };
        if q.geo.is_none() && q.sort.iter().any(|k| k.field == SortField::Distance) {
            return Err(ParamError::new("sort", "distance needs filter.geo"));
        }
        selecting.sort();
        let mut h = 0xcbf29ce484222325;
        for (n, v) in &selecting {
            h = fnv(n.as_bytes(), h);
            h = fnv(b"=", h);
            h = fnv(v.as_bytes(), h);
            h = fnv(b"&", h);
        }
        q.fingerprint = h;
        if let Some(token) = &q.page_token {
            crate::index::PageCursor::decode(token, q.fingerprint)?;
        }
        Ok(q)
    }

    /// Convenience for tests and callers building a query in code.
    pub fn from_strs(pairs: &[(&str, &str)]) -> Result<StudiesQuery, ParamError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        StudiesQuery::from_pairs(&owned)
    }

    /// The order used: the `sort` given, or relevance when there is a query, or distance
    /// when there is a geo filter, or NCT id. Ties are always broken by NCT id.
    pub fn effective_sort(&self) -> Vec<SortKey> {
        if !self.sort.is_empty() {
            return self.sort.clone();
        }
        if !self.queries.is_empty() {
            vec![SortKey {
                field: SortField::Relevance,
                descending: true,
            }]
        } else if self.geo.is_some() {
            vec![SortKey {
                field: SortField::Distance,
                descending: false,
            }]
        } else {
            Vec::new()
        }
    }

    /// The unit distances are reported in (the one `filter.geo` used).
    pub fn distance_unit(&self) -> Option<DistanceUnit> {
        self.geo.as_ref().map(|g| g.unit)
    }
}

fn merge_and(prev: Option<Vec<String>>, next: Vec<String>) -> Vec<String> {
    match prev {
        None => next,
        Some(p) => p.into_iter().filter(|x| next.contains(x)).collect(),
    }
}

/// Splits a `query.*` expression into its relevance part and its field conditions. Clients of
/// the registry often put `AREA[...]` conditions in `query.term`
/// (`heart attack AND AREA[LastUpdatePostDate]RANGE[2023-01-15, MAX]`): conjuncts that are
/// field conditions become filters, the rest stays a ranked text query. A field condition
/// mixed with text under `OR` or `NOT` cannot be split and is refused.
fn split_query(e: Expr) -> Result<(Option<Expr>, Vec<Filter>), String> {
    if check_query_expr(&e).is_ok() {
        return Ok((Some(e), Vec::new()));
    }
    if let Ok(f) = facts::compile(&e) {
        return Ok((None, vec![f]));
    }
    match e {
        Expr::And(items) => {
            let mut texts = Vec::new();
            let mut filters = Vec::new();
            for item in items {
                let (t, f) = split_query(item)?;
                texts.extend(t);
                filters.extend(f);
            }
            let text = match texts.len() {
                0 => None,
                1 => texts.pop(),
                _ => Some(Expr::And(texts)),
            };
            Ok((text, filters))
        }
        other => {
            // Report the field condition's own problem when it has one (an unknown field, a
            // bad value), else that it cannot be mixed with text here.
            match find_area(&other).map(facts::compile) {
                Some(Err(m)) => Err(m),
                _ => check_query_expr(&other).map(|_| (None, Vec::new())).map_err(|m| {
                    format!("{m}; AREA[...] conditions can be ANDed with text here, not ORed or negated together with it")
                }),
            }
        }
    }
}

fn find_area(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Area { .. } => Some(e),
        Expr::Expansion { expr, .. } | Expr::Coverage { expr, .. } | Expr::Not(expr) => {
            find_area(expr)
        }
        Expr::And(v) | Expr::Or(v) => v.iter().find_map(find_area),
        _ => None,
    }
}

/// `query.*` takes words, phrases, AND/OR/NOT and parentheses; field-bound operators belong
/// in `filter.advanced`.
fn check_query_expr(e: &Expr) -> Result<(), String> {
    match e {
        Expr::Text { .. } => Ok(()),
        Expr::Expansion { expr, .. } | Expr::Coverage { expr, .. } => check_query_expr(expr),
        Expr::Not(x) => check_query_expr(x),
        Expr::And(v) | Expr::Or(v) => v.iter().try_for_each(check_query_expr),
        Expr::Area { field, .. } => Err(format!(
            "AREA[{field}] cannot be combined with text this way (expected words, \"phrases\", AND/OR/NOT and parentheses, with AREA[...] conditions ANDed; or put them in filter.advanced)"
        )),
        Expr::Range { .. } | Expr::Missing => {
            Err("RANGE and MISSING need AREA[Field] and belong in filter.advanced".into())
        }
        Expr::All => Ok(()),
    }
}

fn parse_agg_filters(value: &str) -> Result<Vec<AggFilter>, String> {
    let mut out: Vec<AggFilter> = Vec::new();
    for pair in value
        .split([',', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (id, opts) = pair
            .split_once(':')
            .ok_or_else(|| format!("'{pair}' is not id:options (e.g. status:rec, phase:2 3)"))?;
        let agg = AggId::parse(id.trim()).ok_or_else(|| {
            let ids: Vec<&str> = AggId::ALL.iter().map(|(n, _)| *n).collect();
            format!("unknown filter '{id}' (expected one of {})", ids.join(", "))
        })?;
        let mut options = Vec::new();
        for o in opts.split_whitespace() {
            let o = o.to_ascii_lowercase();
            if !agg.options().iter().any(|(k, _)| *k == o) {
                let keys: Vec<&str> = agg.options().iter().map(|(k, _)| *k).collect();
                return Err(format!(
                    "'{o}' is not an option of {} (expected {})",
                    agg.name(),
                    keys.join(", ")
                ));
            }
            options.push(o);
        }
        if options.is_empty() {
            return Err(format!("{} has no options", agg.name()));
        }
        if out.iter().any(|f| f.id == agg) {
            return Err(format!(
                "{} given twice (put its options in one pair, separated by spaces)",
                agg.name()
            ));
        }
        out.push(AggFilter { id: agg, options });
    }
    Ok(out)
}

fn parse_sort(value: &str) -> Result<Vec<SortKey>, String> {
    let items = split_list(value);
    if items.len() > 2 {
        return Err("at most 2 sort fields".into());
    }
    let mut out = Vec::new();
    for item in items {
        let (name, dir) = match item.rsplit_once(':') {
            Some((n, d)) => (n.trim(), Some(d.trim().to_ascii_lowercase())),
            None => (item.as_str(), None),
        };
        let field = if name.eq_ignore_ascii_case("@relevance") {
            SortField::Relevance
        } else if name.eq_ignore_ascii_case("distance") || name.eq_ignore_ascii_case("@distance") {
            SortField::Distance
        } else if name.eq_ignore_ascii_case("EnrollmentCount") {
            SortField::EnrollmentCount
        } else if let Some(d) = DateField::parse(name) {
            SortField::Date(d)
        } else {
            let dates: Vec<&str> = DateField::ALL.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "cannot sort by '{name}' (expected @relevance, distance, EnrollmentCount or {}, each optionally :asc or :desc)",
                dates.join(", ")
            ));
        };
        let default_desc = matches!(field, SortField::Relevance | SortField::Date(_));
        let descending = match dir.as_deref() {
            None => default_desc,
            Some("asc") => false,
            Some("desc") => true,
            Some(d) => return Err(format!("'{d}' is not a direction (expected asc or desc)")),
        };
        out.push(SortKey { field, descending });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(pairs: &[(&str, &str)]) -> ParamError {
        StudiesQuery::from_strs(pairs).unwrap_err()
    }

    #[test]
    fn accepts_registry_parameters() {
        let q = StudiesQuery::from_strs(&[
            ("query.cond", "lung cancer"),
            ("filter.overallStatus", "RECRUITING|not_yet_recruiting"),
            ("filter.geo", "distance(39.0035707,-77.1013313,50mi)"),
            ("filter.advanced", "AREA[Phase]PHASE2"),
            ("aggFilters", "status:rec not,sex:f"),
            ("sort", "LastUpdatePostDate,@relevance:asc"),
            ("pageSize", "1000"),
            ("countTotal", "true"),
            ("fields", "NCTId,BriefTitle,protocolSection.statusModule"),
            ("format", "csv"),
        ])
        .unwrap();
        assert_eq!(
            q.overall_status.unwrap(),
            vec!["RECRUITING", "NOT_YET_RECRUITING"]
        );
        assert_eq!(
            q.sort[0],
            SortKey {
                field: SortField::Date(DateField::LastUpdatePostDate),
                descending: true
            }
        );
        assert!(!q.sort[1].descending);
        assert_eq!(q.page_size, 1000);
        assert_eq!(q.format, Format::Csv);
        assert_eq!(q.agg_filters.len(), 2);
    }

    #[test]
    fn errors_name_the_parameter_and_what_was_expected() {
        assert_eq!(err(&[("query.recrs", "x")]).param, "query.recrs");
        assert!(err(&[("pageSize", "5000")]).expected.contains("0 to 1000"));
        assert!(err(&[("pageSize", "ten")]).expected.contains("integer"));
        assert!(
            err(&[("filter.overallStatus", "RECRUTING")])
                .expected
                .contains("RECRUITING")
        );
        assert!(
            err(&[("filter.geo", "distance(91,0,5mi)")])
                .expected
                .contains("latitude")
        );
        assert!(
            err(&[("filter.advanced", "AREA[Phase](PHASE2")])
                .expected
                .contains("malformed")
        );
        assert!(
            err(&[("aggFilters", "status:xyz")])
                .expected
                .contains("rec")
        );
        assert!(
            err(&[("sort", "BriefTitle")])
                .expected
                .contains("cannot sort")
        );
        assert_eq!(err(&[("sort", "distance")]).param, "sort");
        assert!(err(&[("fields", "Colour")]).expected.contains("Colour"));
        assert!(
            err(&[("countTotal", "yes")])
                .expected
                .contains("true or false")
        );
        assert!(
            err(&[("query.term", "cancer OR AREA[Phase]PHASE2")])
                .expected
                .contains("filter.advanced")
        );
        assert!(
            err(&[("query.term", "cancer AND AREA[Colour]blue")])
                .expected
                .contains("unknown field AREA[Colour]")
        );
        assert_eq!(
            err(&[("pageSize", "1"), ("pageSize", "2")]).param,
            "pageSize"
        );
        assert_eq!(err(&[("pageToken", "garbage")]).param, "pageToken");
        assert_eq!(err(&[("format", "xml")]).to_string(), "format: json or csv");
    }

    #[test]
    fn area_conditions_in_query_parameters_become_filters() {
        let q = StudiesQuery::from_strs(&[(
            "query.term",
            "heart attack AND AREA[LastUpdatePostDate]RANGE[2023-01-15, MAX] AND AREA[Phase]PHASE3",
        )])
        .unwrap();
        assert_eq!(q.queries.len(), 1);
        assert!(matches!(&q.queries[0].1, Expr::Text { text, .. } if text == "heart attack"));
        assert!(matches!(&q.advanced, Some(Filter::And(v)) if v.len() == 2));
        let only =
            StudiesQuery::from_strs(&[("query.term", "AREA[OverallStatus]RECRUITING")]).unwrap();
        assert!(only.queries.is_empty() && only.advanced.is_some());
    }

    #[test]
    fn the_fingerprint_ignores_paging_but_not_selection() {
        let a = StudiesQuery::from_strs(&[("query.cond", "asthma"), ("pageSize", "5")]).unwrap();
        let b =
            StudiesQuery::from_strs(&[("countTotal", "true"), ("query.cond", "asthma")]).unwrap();
        let c = StudiesQuery::from_strs(&[("query.cond", "copd")]).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
    }
}
