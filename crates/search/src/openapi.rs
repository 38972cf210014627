//! The OpenAPI 3.1 description of `GET /api/v2/studies`, for the server's `/api/openapi.json`.

use serde_json::{Value, json};

use crate::facts::{AggId, DateField, Field, STATUSES};
use crate::params::{MAX_PAGE_SIZE, QueryArea};

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// The path item for `/api/v2/studies` (put it under `paths` in the server's document).
pub fn studies_path_item() -> Value {
    let mut params: Vec<Value> = QueryArea::ALL
        .iter()
        .map(|(name, area)| {
            let what = match area {
                QueryArea::Cond => "conditions, their MeSH terms and MeSH ancestors, titles and keywords",
                QueryArea::Term => "every text field (\"other terms\")",
                QueryArea::Intr => "intervention names, other names, MeSH terms and descriptions",
                QueryArea::Titles => "brief and official titles and the acronym",
                QueryArea::Outc => "primary and secondary outcome measures",
                QueryArea::Spons => "lead sponsor, collaborators and organization",
                QueryArea::Lead => "the lead sponsor's name",
                QueryArea::Id => "the NCT id and the organization's study id",
                QueryArea::Locn => "site facility, city, state, ZIP code and country",
                QueryArea::Patient => "every text field, as query.term",
            };
            param(
                name,
                &format!("Relevance-ranked search (BM25, stemmed, case- and accent-folded) over {what}. Words, \"phrases\", AND, OR, NOT and parentheses; AREA[Field] conditions ANDed with the text act as filter.advanced."),
                json!({"type": "string"}),
            )
        })
        .collect();
    let dates: Vec<&str> = DateField::ALL.iter().map(|(n, _)| *n).collect();
    let aggs: Vec<String> = AggId::ALL
        .iter()
        .map(|(n, id)| {
            format!(
                "{n}: {}",
                id.options()
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
        .collect();
    params.extend([
        param("filter.overallStatus", "Statuses, separated by ',' or '|'.", json!({"type": "string", "example": "RECRUITING|NOT_YET_RECRUITING", "x-values": STATUSES})),
        param("filter.ids", "NCT ids, separated by ',', '|' or spaces.", json!({"type": "string"})),
        param("filter.geo", "distance(latitude,longitude,radius) with the radius in mi or km. Each study's nearest site and its distance are returned under x-trialbridge.", json!({"type": "string", "example": "distance(42.36,-71.06,50mi)"})),
        param(
            "filter.advanced",
            &format!(
                "Essie expression: AREA[Field]value, AREA[Field]RANGE[low, high] (MIN, MAX), MISSING, AND, OR, NOT, parentheses, COVERAGE[FullMatch|StartsWith|EndsWith|Contains]. Fields: {}. Ages compare in one unit; a trial with no minimum (maximum) age counts as open from birth (to any age).",
                Field::NAMES.join(", ")
            ),
            json!({"type": "string", "example": "AREA[MinimumAge]RANGE[MIN, 70 years] AND AREA[MaximumAge]RANGE[70 years, MAX] AND AREA[Phase](PHASE2 OR PHASE3)"}),
        ),
        param("postFilter.overallStatus", "Same as filter.overallStatus.", json!({"type": "string"})),
        param("postFilter.ids", "Same as filter.ids.", json!({"type": "string"})),
        param("postFilter.geo", "Same as filter.geo.", json!({"type": "string"})),
        param("postFilter.advanced", "Same as filter.advanced (ANDed with it).", json!({"type": "string"})),
        param("aggFilters", &format!("Pairs id:options (options ORed, separated by spaces; pairs separated by ','). {}.", aggs.join("; ")), json!({"type": "string", "example": "status:rec not,phase:2 3"})),
        param("geoDecay", "Accepted for compatibility and ignored; use sort=distance.", json!({"type": "string"})),
        param("sort", &format!("Up to 2 of @relevance, distance (with filter.geo), EnrollmentCount, {}; each optionally :asc or :desc. Missing values sort last; ties by NCT id.", dates.join(", ")), json!({"type": "string"})),
        param("pageSize", &format!("0 to {MAX_PAGE_SIZE}; default 10."), json!({"type": "integer", "minimum": 0, "maximum": MAX_PAGE_SIZE})),
        param("pageToken", "nextPageToken from the previous page of the same query (other parameters repeated; pageSize and countTotal may change).", json!({"type": "string"})),
        param("countTotal", "Include totalCount.", json!({"type": "boolean"})),
        param("fields", "Pieces (NCTId, BriefTitle, OverallStatus, Condition, LocationCity, ...), modules, sections or dotted paths; for CSV also column names.", json!({"type": "string"})),
        param("format", "json (default) or csv.", json!({"type": "string", "enum": ["json", "csv"]})),
        param("markupFormat", "markdown (the only one served).", json!({"type": "string", "enum": ["markdown"]})),
    ]);
    json!({
        "get": {
            "summary": "Search studies (ClinicalTrials.gov API v2 compatible)",
            "description": "The registry's /studies parameters and response shape. Unknown parameters, bad values and malformed expressions answer 400 naming the parameter. Additions live under the key x-trialbridge: facet counts over the whole result set (overallStatus, phase, sex, stdAge, studyType, leadSponsorClass, locationCountry) and, per study, score, nearest site, distance and a highlighted snippet.",
            "operationId": "searchStudies",
            "parameters": params,
            "responses": {
                "200": {
                    "description": "A page of studies.",
                    "headers": {
                        "x-total-count": {"description": "CSV only, with countTotal=true.", "schema": {"type": "integer"}},
                        "x-next-page-token": {"description": "CSV only.", "schema": {"type": "string"}}
                    },
                    "content": {
                        "application/json": {"schema": {
                            "type": "object",
                            "properties": {
                                "studies": {"type": "array", "items": {"type": "object"}},
                                "nextPageToken": {"type": "string"},
                                "totalCount": {"type": "integer"},
                                "x-trialbridge": {"type": "object", "properties": {"facets": {"type": "object"}, "geo": {"type": "object"}}}
                            },
                            "required": ["studies"]
                        }},
                        "text/csv": {"schema": {"type": "string"}}
                    }
                },
                "400": {"description": "A parameter was not understood; the message names it and what was expected."}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn documents_every_parameter_the_parser_accepts() {
        let doc = super::studies_path_item();
        let names: Vec<&str> = doc["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for (n, _) in crate::params::QueryArea::ALL {
            assert!(names.contains(&n));
        }
        for n in crate::params::OTHER_PARAMS {
            assert!(names.contains(n), "{n} undocumented");
        }
    }
}
