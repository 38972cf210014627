//! Errors become status codes, and pages or JSON, here and only here.

use askama::Template;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

/// A request that could not be answered. `Page` errors render HTML, `Api` errors JSON.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user may see: internal details stay in the log.
    fn public_message(&self) -> String {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "Something went wrong on our side. Please try again.".into()
            }
            other => other.to_string(),
        }
    }

    /// As a JSON answer, for API routes.
    pub fn into_json(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "error": self.public_message(), "status": status.as_u16() });
        (status, axum::Json(body)).into_response()
    }
}

impl From<store::StoreError> for AppError {
    fn from(e: store::StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// As an HTML page, for page routes.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "That address is not right",
            _ => "Something went wrong",
        };
        let message = self.public_message();
        match (ErrorPage {
            title,
            message: &message,
        })
        .render()
        {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, [(header::CONTENT_TYPE, "text/plain")], message).into_response(),
        }
    }
}

pub async fn not_found(uri: Uri) -> Response {
    let message = format!("There is no page at {}.", uri.path());
    if uri.path().starts_with("/api/") {
        AppError::NotFound(message).into_json()
    } else {
        AppError::NotFound(message).into_response()
    }
}
