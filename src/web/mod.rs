//! The web layer: page frame, forms, errors, cookies, CSRF, sessions, headers, assets.

pub mod assets;
pub mod client;
pub mod cookies;
pub mod csrf;
pub mod dates;
pub mod errors;
pub mod form;
pub mod handbook;
pub mod headers;
pub mod help;
pub mod layout;
pub mod pages;
pub mod session;

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

/// Renders `page` with `status`.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Result<Response, errors::AppError> {
    Ok((status, Html(page.render()?)).into_response())
}
