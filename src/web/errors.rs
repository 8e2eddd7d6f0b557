//! The web layer's one error type. It renders an accessible German error page with
//! an incident id; the cause chain goes to the log, never to the citizen.

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

use crate::web::layout::Layout;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "layout/error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: &'static str,
    incident: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, heading, message, incident) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Seite nicht gefunden",
                "Die angeforderte Seite gibt es nicht (mehr). Bitte prüfen Sie die Adresse oder beginnen Sie auf der Startseite.",
                None,
            ),
            AppError::Forbidden(msg) => (StatusCode::FORBIDDEN, "Anfrage abgelehnt", *msg, None),
            AppError::BadRequest(msg) => (StatusCode::BAD_REQUEST, "Anfrage fehlerhaft", *msg, None),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Eingabe zu groß",
                "Die gesendeten Daten sind zu groß. Bitte kürzen Sie Ihre Eingaben.",
                None,
            ),
            AppError::Internal(cause) => {
                let incident = uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase();
                tracing::error!(incident = %incident, error = ?cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Technischer Fehler",
                    "Leider ist ein technischer Fehler aufgetreten. Ihre Eingaben wurden nicht gespeichert. Bitte versuchen Sie es später erneut.",
                    Some(incident),
                )
            }
        };
        error_page(status, heading, message, incident)
    }
}

/// Renders the error page outside any handler (fallbacks, middleware rejections).
pub fn error_page(status: StatusCode, heading: &'static str, message: &'static str, incident: Option<String>) -> Response {
    let page = ErrorPage { layout: Layout::bare(heading), heading, message, incident };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message).into_response(),
    }
}

/// The answer for every path that no route serves.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
