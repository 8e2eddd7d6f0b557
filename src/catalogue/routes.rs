//! Public catalogue pages: Onlinedienste, Alle Dienste A–Z, Suche, a service,
//! the Verwaltungsgliederung and a unit. No login needed; cheap to revisit.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    app::SharedState,
    catalogue::{
        file::Procedure,
        markdown,
        store::{self, ServiceDetail, ServiceSummary, Unit},
    },
    text::german_sort_key,
    web::{
        errors::AppError,
        layout::{Layout, PageContext},
        public_page,
    },
};

/// `?suche=…`
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    suche: String,
}

fn sort_by_name(list: &mut [ServiceSummary]) {
    list.sort_by_cached_key(|s| german_sort_key(&s.name));
}

// ---------- Onlinedienste ----------

#[derive(Template)]
#[template(path = "catalogue/online.html")]
struct OnlinePage<'a> {
    layout: Layout,
    groups: Vec<(String, Vec<&'a ServiceSummary>)>,
    total: usize,
}

pub async fn online_services(State(state): State<SharedState>, ctx: PageContext, headers: HeaderMap) -> Result<Response, AppError> {
    let index = state.catalogue.index(&state.db, state.clock.now_ms()).await?;
    let mut groups: BTreeMap<String, (String, Vec<&ServiceSummary>)> = BTreeMap::new();
    let mut total = 0;
    for s in index.by_name.iter().map(|&i| &index.services[i as usize]).filter(|s| s.procedure == Procedure::Online) {
        total += 1;
        let situations = if s.life_situations.is_empty() { vec!["Weitere Dienste".to_string()] } else { s.life_situations.clone() };
        for l in situations {
            groups.entry(german_sort_key(&l)).or_insert_with(|| (l.clone(), vec![])).1.push(s);
        }
    }
    let groups = groups.into_values().collect();
    let page = OnlinePage { layout: ctx.layout("Onlinedienste", &[("Onlinedienste", None)]), groups, total };
    public_page(&ctx, &headers, StatusCode::OK, &page)
}

// ---------- Alle Dienste A–Z ----------

#[derive(Template)]
#[template(path = "catalogue/a_z.html")]
struct AzPage<'a> {
    layout: Layout,
    letters: Vec<(char, bool)>,
    groups: Vec<(char, Vec<&'a ServiceSummary>)>,
    total: usize,
}

pub async fn services_a_z(State(state): State<SharedState>, ctx: PageContext, headers: HeaderMap) -> Result<Response, AppError> {
    let index = state.catalogue.index(&state.db, state.clock.now_ms()).await?;
    let mut groups: BTreeMap<char, Vec<&ServiceSummary>> = BTreeMap::new();
    for &i in &index.by_name {
        groups.entry(index.letter_of(i)).or_default().push(&index.services[i as usize]);
    }
    let letters = ('A'..='Z').map(|c| (c, groups.contains_key(&c))).collect();
    let page = AzPage {
        layout: ctx.layout("Alle Dienste A–Z", &[("Alle Dienste A–Z", None)]),
        letters,
        total: index.services.len(),
        groups: groups.into_iter().collect(),
    };
    public_page(&ctx, &headers, StatusCode::OK, &page)
}

// ---------- Suche ----------

#[derive(Template)]
#[template(path = "catalogue/search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    results: Vec<ServiceSummary>,
}

/// At most this many results are shown.
const MAX_RESULTS: usize = 50;

pub async fn search(
    State(state): State<SharedState>,
    ctx: PageContext,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let query: String = q.suche.chars().filter(|c| !c.is_control()).take(200).collect::<String>().trim().to_string();
    let index = state.catalogue.index(&state.db, state.clock.now_ms()).await?;
    let results = if query.is_empty() { vec![] } else { index.search(&query, MAX_RESULTS).into_iter().cloned().collect() };
    let layout = ctx.layout("Suche", &[("Alle Dienste A–Z", Some("/dienste/a-z")), ("Suche", None)]);
    public_page(&ctx, &headers, StatusCode::OK, &SearchPage { layout, query, results })
}

// ---------- Dienstleistung ----------

#[derive(Template)]
#[template(path = "catalogue/service.html")]
struct ServicePage {
    layout: Layout,
    s: ServiceDetail,
    description_html: String,
    logged_in: bool,
}

pub async fn service(
    State(state): State<SharedState>,
    ctx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    if slug.len() > 100 {
        return Err(AppError::NotFound);
    }
    let s = store::service(&state.db.pool, &slug).await?.ok_or(AppError::NotFound)?;
    let description_html = s.description.as_deref().map(markdown::render).unwrap_or_default();
    let name = s.name.clone();
    let layout = ctx.layout(&name, &[("Alle Dienste A–Z", Some("/dienste/a-z")), (&name, None)]);
    let logged_in = ctx.session().is_some_and(|s| s.is_full());
    public_page(&ctx, &headers, StatusCode::OK, &ServicePage { layout, s, description_html, logged_in })
}

// ---------- Verwaltungsgliederung ----------

/// A unit with its depth in the tree, for an indented list.
pub struct TreeEntry {
    pub unit: Unit,
    pub children: Vec<TreeEntry>,
}

fn tree(units: &[Unit], parent: Option<&str>) -> Vec<TreeEntry> {
    units
        .iter()
        .filter(|u| u.parent_id.as_deref() == parent)
        .map(|u| TreeEntry { unit: u.clone(), children: tree(units, Some(&u.id)) })
        .collect()
}

#[derive(Template)]
#[template(path = "catalogue/org.html")]
struct OrgPage {
    layout: Layout,
    roots: Vec<TreeEntry>,
}

pub async fn org_structure(State(state): State<SharedState>, ctx: PageContext, headers: HeaderMap) -> Result<Response, AppError> {
    let units = store::units(&state.db.pool).await?;
    let known: std::collections::HashSet<&str> = units.iter().map(|u| u.id.as_str()).collect();
    // A unit whose parent was retired is shown at the top rather than lost.
    let mut roots = tree(&units, None);
    for u in units.iter().filter(|u| u.parent_id.as_deref().is_some_and(|p| !known.contains(p))) {
        roots.push(TreeEntry { unit: u.clone(), children: tree(&units, Some(&u.id)) });
    }
    let page = OrgPage { layout: ctx.layout("Verwaltungsgliederung", &[("Verwaltungsgliederung", None)]), roots };
    public_page(&ctx, &headers, StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "catalogue/unit.html")]
struct UnitPage {
    layout: Layout,
    unit: Unit,
    parent: Option<Unit>,
    children: Vec<Unit>,
    services: Vec<ServiceSummary>,
}

pub async fn unit(
    State(state): State<SharedState>,
    ctx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let units = store::units(&state.db.pool).await?;
    let unit = units.iter().find(|u| u.slug == slug).cloned().ok_or(AppError::NotFound)?;
    let parent = unit.parent_id.as_ref().and_then(|p| units.iter().find(|u| &u.id == p)).cloned();
    let children = units.iter().filter(|u| u.parent_id.as_deref() == Some(unit.id.as_str())).cloned().collect();
    let index = state.catalogue.index(&state.db, state.clock.now_ms()).await?;
    let mut services: Vec<ServiceSummary> = index.services.iter().filter(|s| s.unit_slug == unit.slug).cloned().collect();
    sort_by_name(&mut services);
    let name = unit.name.clone();
    let layout = ctx.layout(&name, &[("Verwaltungsgliederung", Some("/verwaltung")), (&name, None)]);
    public_page(&ctx, &headers, StatusCode::OK, &UnitPage { layout, unit, parent, children, services })
}

// ---------- Antrag (online forms come with a later release) ----------

#[derive(Template)]
#[template(path = "catalogue/application.html")]
struct ApplicationPage {
    layout: Layout,
    s: ServiceDetail,
}

/// `/dienste/{slug}/antrag`: sends citizens to the login where an account is
/// needed, and says honestly that the online form is not available yet.
pub async fn application(State(state): State<SharedState>, ctx: PageContext, Path(slug): Path<String>) -> Result<Response, AppError> {
    let s = store::service(&state.db.pool, &slug).await?.filter(|s| s.procedure == Procedure::Online).ok_or(AppError::NotFound)?;
    if s.account_required && !ctx.session().is_some_and(|s| s.is_full()) {
        return Ok(axum::response::Redirect::to("/anmelden").into_response());
    }
    let name = s.name.clone();
    let service_href = format!("/dienste/{}", s.slug);
    let layout =
        ctx.layout("Online beantragen", &[("Alle Dienste A–Z", Some("/dienste/a-z")), (&name, Some(&service_href)), ("Antrag", None)]);
    crate::web::render(StatusCode::OK, &ApplicationPage { layout, s })
}
