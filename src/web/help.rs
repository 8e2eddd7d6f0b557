//! "Das Bürgerportal": the help section, written for this portal. The texts live
//! in `content/hilfe/*.md` (embedded in the binary) and use the catalogue's safe
//! Markdown subset.

use askama::Template;
use axum::{
    extract::Path,
    http::{HeaderMap, StatusCode},
    response::Response,
};

use crate::{
    catalogue::markdown,
    web::{
        errors::AppError,
        layout::{Layout, PageContext},
        public_page,
    },
};

/// (slug, text) of every help topic, in reading order.
const TOPICS: &[(&str, &str)] = &[
    ("konto-erstellen", include_str!("../../content/hilfe/01-konto-erstellen.md")),
    ("erstanmeldung", include_str!("../../content/hilfe/02-erstanmeldung.md")),
    ("anmelden-abmelden", include_str!("../../content/hilfe/03-anmelden-abmelden.md")),
    ("kennwort-vergessen", include_str!("../../content/hilfe/04-kennwort-vergessen.md")),
    ("login-daten", include_str!("../../content/hilfe/05-login-daten.md")),
    ("postkorb", include_str!("../../content/hilfe/06-postkorb.md")),
    ("datenschutz", include_str!("../../content/hilfe/07-datenschutz.md")),
];

/// A topic's title (its first line, "# …") and body.
pub fn split_topic(text: &str) -> (&str, &str) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    (first.trim_start_matches('#').trim(), rest.trim())
}

/// Every topic as (slug, title, body markdown), for the pages and the handbook.
pub fn topics() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    TOPICS.iter().map(|(slug, text)| {
        let (title, body) = split_topic(text);
        (*slug, title, body)
    })
}

#[derive(Template)]
#[template(path = "pages/help_index.html")]
struct HelpIndex {
    layout: Layout,
    topics: Vec<(&'static str, &'static str)>,
}

pub async fn index(ctx: PageContext, headers: HeaderMap) -> Result<Response, AppError> {
    let layout = ctx.layout("Das Bürgerportal", &[("Das Bürgerportal", None)]);
    public_page(&ctx, &headers, StatusCode::OK, &HelpIndex { layout, topics: topics().map(|(slug, title, _)| (slug, title)).collect() })
}

#[derive(Template)]
#[template(path = "pages/help_topic.html")]
struct HelpTopic {
    layout: Layout,
    title: &'static str,
    body_html: String,
    previous: Option<(&'static str, &'static str)>,
    next: Option<(&'static str, &'static str)>,
}

pub async fn topic(ctx: PageContext, headers: HeaderMap, Path(slug): Path<String>) -> Result<Response, AppError> {
    let all: Vec<_> = topics().collect();
    let i = all.iter().position(|(s, _, _)| *s == slug).ok_or(AppError::NotFound)?;
    let (_, title, body) = all[i];
    let layout = ctx.layout(title, &[("Das Bürgerportal", Some("/hilfe")), (title, None)]);
    let previous = i.checked_sub(1).map(|j| (all[j].0, all[j].1));
    let next = all.get(i + 1).map(|t| (t.0, t.1));
    public_page(&ctx, &headers, StatusCode::OK, &HelpTopic { layout, title, body_html: markdown::render(body), previous, next })
}
