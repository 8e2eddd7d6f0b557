//! Form input: a lenient extractor (broken encodings never give a 500) and the
//! per-field error list every form renders (summary at the top, message at the field).

use axum::{
    body::to_bytes,
    extract::{FromRequest, Request},
};
use serde::de::DeserializeOwned;

use crate::web::{csrf::MAX_FORM_BYTES, errors::AppError};

/// A url-encoded form body. Fields should be `#[serde(default)]` strings so that
/// missing or repeated keys are a validation matter, not a rejection.
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = to_bytes(req.into_body(), MAX_FORM_BYTES).await.map_err(|_| AppError::PayloadTooLarge)?;
        serde_html_form::from_bytes(&bytes)
            .map(WebForm)
            .map_err(|_| AppError::BadRequest("Die Formulardaten konnten nicht gelesen werden. Bitte senden Sie das Formular erneut."))
    }
}

/// One message at one field.
pub struct FieldError {
    /// The input's `id`, for the link in the error summary.
    pub field: &'static str,
    pub message: String,
}

/// The validation result of one form submission.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push(FieldError { field, message: message.into() });
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// Records `result`'s error at `field` and returns its value, if any.
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, crate::accounts::domain::Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.0);
                None
            }
        }
    }
}

/// Cuts what we echo back into a form to a sane length (a 10,000-character name is
/// rejected, but re-rendering all of it helps nobody).
pub fn keep(value: &str) -> String {
    value.chars().filter(|c| !c.is_control() || *c == '\n').take(300).collect()
}
