//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every JSON endpoint.
//!
//! Written by hand as JSON values beside the handlers it describes (the search parameters come
//! from the `search` crate, which owns them), and checked by a test that every `/api/` route of
//! the router appears here.

use axum::Json;
use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "TrialBridge API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The ClinicalTrials.gov API v2 (studies, one study, version) with the same parameters and response shapes, so existing clients work by changing the base URL; plus patient-to-trial matching. Our additions to registry records sit under the key `x-trialbridge`, which no registry field can have. Unlike the registry, an unknown parameter or a bad value answers 400 with a message naming it."
        },
        "paths": {
            "/api/v2/studies": search::openapi::studies_path_item(),
            "/api/v2/studies/{nctId}": {
                "get": {
                    "summary": "One study",
                    "description": "The stored record in the registry's JSON shape: registry records with every field as received; records from other layouts mapped onto it. `x-trialbridge.plainSummary` holds the plain-language summary.",
                    "parameters": [{
                        "name": "nctId", "in": "path", "required": true,
                        "schema": {"type": "string", "pattern": "^[Nn][Cc][Tt]\\d{8}$"}
                    }],
                    "responses": {
                        "200": {"description": "The study", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Study"}}}},
                        "400": error_response("Not an NCT id"),
                        "404": error_response("No such study is stored")
                    }
                }
            },
            "/api/v2/version": {
                "get": {
                    "summary": "API version and data timestamp",
                    "responses": {"200": {"description": "Version", "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "dataTimestamp": {"type": ["string", "null"], "format": "date-time", "description": "When the stored data last changed"}
                        },
                        "required": ["apiVersion", "dataTimestamp"]
                    }}}}}
                }
            },
            "/api/match": {
                "post": {
                    "summary": "Rank trials for a patient",
                    "description": "Give either a structured profile (see the PatientProfile schema, also in the repository at crates/matcher/patient-profile.schema.json) or a free-text note. Answers the ranked trials, each with its verdict and every criterion marked met / not met / unknown / not applicable, citing the criterion text and the patient fact; for a note, also the extracted profile with the evidence for each fact. When the profile has a `location` (latitude and longitude, a US ZIP code, or a city with its country), the answer gives `patient_location` (the point and the place used) and each trial its `nearest_site`: the nearest recruiting site (`recruiting` true) or, when no site is listed as recruiting, the nearest site (`recruiting` false), with `facility`, `city`, `state`, `country`, `status` and `distance_km` (great-circle). A trial with no site of known place has no `nearest_site`. `max_distance_km` keeps only trials with such a site within that distance; distance never changes a verdict, a score or the order. The request's own `location` (one line such as \"Boston, MA, USA\" or \"02115\", or an object like the profile's) places the patient of a note, or replaces the profile's location. A location naming only a country gives no distances (and is a 400 with `max_distance_km`); a place that cannot be found is a 400 naming it.",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "profile": {"$ref": "#/components/schemas/PatientProfile"},
                            "note": {"type": "string"},
                            "top": {"type": "integer", "minimum": 1, "maximum": 100},
                            "max_distance_km": {"type": "number", "exclusiveMinimum": 0, "maximum": 20040, "description": "Only trials with a site within this many kilometres of the patient's location (which it needs)."},
                            "location": {"description": "Where the patient is: one line (\"Boston, MA, USA\", \"02115\") or an object with city, country, postal_code, latitude, longitude. Replaces the profile's location; the way to give one with a note.", "oneOf": [{"type": "string", "maxLength": 200}, {"type": "object", "description": "As the PatientProfile location."}]}
                        }
                    }}}},
                    "responses": {
                        "200": {"description": "Ranked trials", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "400": error_response("Neither a valid profile nor a note; a location that cannot be placed (the message names it); a distance limit without a location"),
                        "413": error_response("The body is larger than 1 MB")
                    }
                }
            },
            "/api/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}
            }
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                    "required": ["error", "status"]
                },
                "Study": {
                    "type": "object",
                    "description": "A ClinicalTrials.gov API v2 study record (protocolSection, derivedSection, hasResults, ...).",
                    "properties": {"protocolSection": {"type": "object"}, "derivedSection": {"type": "object"}, "hasResults": {"type": "boolean"}, "x-trialbridge": {"type": "object"}},
                    "additionalProperties": true
                },
                "PatientProfile": matcher::PatientProfile::json_schema()
            }
        }
    })
}

pub async fn openapi_json() -> Json<Value> {
    Json(document())
}
