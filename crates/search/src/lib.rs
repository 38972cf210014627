//! Trial search: the ClinicalTrials.gov API v2 `/studies` query language over a tantivy
//! index, with facets, distance to the nearest site, and a gazetteer.
//!
//! # Brief overview
//!
//! A request's query-string pairs become a [`StudiesQuery`] through
//! [`StudiesQuery::from_pairs`], which checks every parameter and answers a [`ParamError`]
//! (the parameter, and what was expected) for anything it does not understand. A
//! [`TrialIndex`] holds the searchable form of the trials: text fields for BM25 relevance
//! (stemmed, case- and accent-folded; `query.cond` also searches the MeSH terms and
//! ancestors the registry derived) and per-study facts for filters (`filter.*`,
//! `filter.advanced` parsed by [`expr`], `aggFilters`), facets, sorting and distance.
//! [`TrialIndex::search`] returns a [`SearchPage`]: ordered [`SearchHit`]s with score,
//! nearest site and snippet, the total, a stable `nextPageToken`, and the facet counts.
//!
//! The index is derived data. The store is the source of truth: [`TrialIndex::rebuild`]
//! recreates the index from it, [`TrialIndex::upsert`] and [`TrialIndex::delete`] keep it in
//! step. The server loads the full records of a page's hits from the store and renders them
//! with [`json_body`] (which applies the `fields` projection) or [`csv_body`].
//!
//! [`gazetteer()`] turns what people type ("Zhengzhou", "Boston, MA", "02115") into
//! coordinates and geocodes trial sites that lack a `geoPoint`.
//!
//! ```
//! use search::{StudiesQuery, TrialIndex};
//! let json = r#"{"protocolSection":{"identificationModule":{"nctId":"NCT00000001",
//!   "briefTitle":"Chemotherapy for T-cell lymphoma"},"statusModule":{"overallStatus":"RECRUITING"},
//!   "conditionsModule":{"conditions":["T-cell Lymphoma"]},
//!   "contactsLocationsModule":{"locations":[{"city":"Boston","state":"Massachusetts",
//!     "country":"United States","geoPoint":{"lat":42.36,"lon":-71.06}}]}}}"#;
//! let study = ctgov::Record::from_api_json(json).unwrap().study;
//! let index = TrialIndex::open_in_ram().unwrap();
//! index.upsert(&[&study]).unwrap();
//!
//! let boston = search::gazetteer().lookup("Boston, MA").unwrap();
//! let q = StudiesQuery::from_strs(&[
//!     ("query.cond", "lymphoma"),
//!     ("filter.overallStatus", "RECRUITING"),
//!     ("filter.geo", &format!("distance({},{},50mi)", boston.lat, boston.lon)),
//! ]).unwrap();
//! let page = index.search(&q).unwrap();
//! assert_eq!(page.hits[0].nct_id, "NCT00000001");
//! assert!(page.hits[0].nearest_site.as_ref().unwrap().distance < 5.0);
//!
//! let err = StudiesQuery::from_strs(&[("pageSize", "5000")]).unwrap_err();
//! assert_eq!(err.param, "pageSize");
//! ```

mod analysis;
pub mod expr;
pub mod facts;
pub mod gazetteer;
pub mod geo;
mod index;
pub mod openapi;
pub mod params;
pub mod project;

pub use facts::{SiteSummary, StudyFacts};
pub use gazetteer::{Gazetteer, GeoError, GeoMatch, Precision, gazetteer, is_us_zip};
pub use geo::{DistanceUnit, GeoFilter, distance_km};
pub use index::{
    FacetCount, Facets, IndexError, MAX_RETRIEVAL_TERMS, NearestSite, SearchHit, SearchPage,
    TrialIndex, html_escape,
};
pub use params::{Format, ParamError, QueryArea, SortField, SortKey, StudiesQuery};
pub use project::{EXTENSION_KEY, FieldSelector, csv_body, json_body, project};
