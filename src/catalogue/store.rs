//! SQL of the public catalogue pages.

use sqlx::AnyPool;

use crate::{catalogue::file::Procedure, db::DbResult};

/// A service as lists and the search index need it.
#[derive(Debug, Clone)]
pub struct ServiceSummary {
    pub slug: String,
    pub name: String,
    pub synonyms: Vec<String>,
    pub short_text: String,
    pub procedure: Procedure,
    pub life_situations: Vec<String>,
    pub unit_slug: String,
    pub unit_name: String,
}

/// A `tel:` target from a phone number as people write it ("05241 82-1234").
pub fn tel_href(phone: &str) -> String {
    phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect()
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

const SUMMARIES: &str = "SELECT s.slug, s.name, s.synonyms, s.short_text, s.procedure, s.life_situations, u.slug, u.name \
FROM services s JOIN org_units u ON u.id = s.unit_id WHERE s.retired = 0 ORDER BY s.position";

/// Every active service.
pub async fn service_summaries(pool: &AnyPool) -> DbResult<Vec<ServiceSummary>> {
    type Row = (String, String, String, String, String, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(SUMMARIES).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, synonyms, short_text, procedure, life, unit_slug, unit_name)| ServiceSummary {
            slug,
            name,
            synonyms: list(&synonyms),
            short_text,
            procedure: Procedure::from_db(&procedure),
            life_situations: list(&life),
            unit_slug,
            unit_name,
        })
        .collect())
}

/// A contact as the service page shows it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ContactView {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub room: Option<String>,
}

/// Everything the service page shows.
pub struct ServiceDetail {
    pub slug: String,
    pub name: String,
    pub synonyms: Vec<String>,
    pub short_text: String,
    pub description: Option<String>,
    pub requirements: Vec<String>,
    pub fees: Option<String>,
    pub processing_time: Option<String>,
    pub legal_basis: Option<String>,
    pub leika_key: Option<String>,
    pub procedure: Procedure,
    pub external_url: Option<String>,
    pub account_required: bool,
    pub unit_slug: String,
    pub unit_name: String,
    pub contacts: Vec<ContactView>,
    pub life_situations: Vec<String>,
    pub updated_at: i64,
}

const DETAIL: &str = "SELECT s.slug, s.name, s.synonyms, s.short_text, s.description, s.requirements, s.fees, s.processing_time, \
s.legal_basis, s.leika_key, s.procedure, s.external_url, s.account_required, u.slug, u.name, s.contacts, s.life_situations, s.updated_at \
FROM services s JOIN org_units u ON u.id = s.unit_id WHERE s.slug = $1 AND s.retired = 0";

pub async fn service(pool: &AnyPool, slug: &str) -> DbResult<Option<ServiceDetail>> {
    use sqlx::Row;
    let Some(row) = sqlx::query(DETAIL).bind(slug).fetch_optional(pool).await? else { return Ok(None) };
    let text = |i: usize| row.try_get::<String, _>(i);
    let opt = |i: usize| row.try_get::<Option<String>, _>(i);
    Ok(Some(ServiceDetail {
        slug: text(0)?,
        name: text(1)?,
        synonyms: list(&text(2)?),
        short_text: text(3)?,
        description: opt(4)?,
        requirements: list(&text(5)?),
        fees: opt(6)?,
        processing_time: opt(7)?,
        legal_basis: opt(8)?,
        leika_key: opt(9)?,
        procedure: Procedure::from_db(&text(10)?),
        external_url: opt(11)?,
        account_required: row.try_get::<i64, _>(12)? != 0,
        unit_slug: text(13)?,
        unit_name: text(14)?,
        contacts: serde_json::from_str(&text(15)?).unwrap_or_default(),
        life_situations: list(&text(16)?),
        updated_at: row.try_get(17)?,
    }))
}

/// An org unit.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub slug: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub abbreviation: Option<String>,
    pub head: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub opening_hours: Option<String>,
    pub description: Option<String>,
}

type UnitRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const UNITS: &str = "SELECT id, slug, parent_id, name, abbreviation, head, address, phone, email, opening_hours, description \
FROM org_units WHERE retired = 0 ORDER BY position";

/// Every active unit in file order.
pub async fn units(pool: &AnyPool) -> DbResult<Vec<Unit>> {
    let rows: Vec<UnitRow> = sqlx::query_as(UNITS).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, parent_id, name, abbreviation, head, address, phone, email, opening_hours, description)| Unit {
            id,
            slug,
            parent_id,
            name,
            abbreviation,
            head,
            address,
            phone,
            email,
            opening_hours,
            description,
        })
        .collect())
}

const VERSION: &str = "SELECT version FROM catalogue_version WHERE id = 1";

/// Changes with every import that changed something.
pub async fn version(pool: &AnyPool) -> DbResult<i64> {
    Ok(sqlx::query_scalar(VERSION).fetch_one(pool).await?)
}
