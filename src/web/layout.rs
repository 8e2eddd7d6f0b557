//! What every page's frame needs: title, breadcrumb, the logged-in citizen's name
//! for the header menu, and the CSRF token for the forms in it.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::web::{csrf::CsrfToken, session::CurrentSession};

/// One step of the breadcrumb "Sie sind hier: Home » …"; the last has no link.
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The data of the page frame (header, breadcrumb, footer).
pub struct Layout {
    pub title: String,
    pub csrf_token: String,
    /// "Vorname Nachname" of the citizen with a full session.
    pub citizen_name: Option<String>,
    /// True while the citizen still has to finish the first login.
    pub first_login: bool,
    pub breadcrumbs: Vec<Crumb>,
}

impl Layout {
    /// A frame without session (error pages rendered outside handlers).
    pub fn bare(title: &str) -> Self {
        Layout { title: title.into(), csrf_token: String::new(), citizen_name: None, first_login: false, breadcrumbs: vec![] }
    }

    pub fn is_logged_in(&self) -> bool {
        self.citizen_name.is_some()
    }
}

/// Extracts what the frame needs; handlers call [`PageContext::layout`].
pub struct PageContext {
    csrf_token: String,
    session: Option<CurrentSession>,
}

impl PageContext {
    /// A frame titled `title` whose breadcrumb ends in `trail` (label, link).
    pub fn layout(&self, title: &str, trail: &[(&str, Option<&str>)]) -> Layout {
        let mut breadcrumbs = vec![Crumb { label: "Home".into(), href: Some("/".into()) }];
        breadcrumbs.extend(trail.iter().map(|(label, href)| Crumb { label: (*label).into(), href: href.map(Into::into) }));
        let (citizen_name, first_login) = match &self.session {
            Some(s) if s.is_full() => (Some(s.display_name()), false),
            Some(_) => (None, true),
            None => (None, false),
        };
        Layout { title: title.into(), csrf_token: self.csrf_token.clone(), citizen_name, first_login, breadcrumbs }
    }

    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    pub fn session(&self) -> Option<&CurrentSession> {
        self.session.as_ref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let csrf_token = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let session = parts.extensions.get::<CurrentSession>().cloned();
        Ok(PageContext { csrf_token, session })
    }
}
