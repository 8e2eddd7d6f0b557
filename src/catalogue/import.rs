//! Import and export of the catalogue file: all or nothing in one transaction,
//! idempotent, and entries left out are retired rather than deleted.

use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::{
    catalogue::file::{CatalogueFile, Contact, Procedure, ServiceEntry, UnitEntry},
    crypto::sha256_hex,
    db::{Db, flag, new_id},
};

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub retired: usize,
    pub unchanged: usize,
}

impl ImportReport {
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.retired > 0
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} added, {} updated, {} retired, {} unchanged", self.added, self.updated, self.retired, self.unchanged)
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("lists serialise")
}

/// A digest of everything an entry says, including its place in the file.
fn fingerprint<T: serde::Serialize>(entry: &T, position: usize) -> String {
    sha256_hex(&format!("{position}|{}", json(entry)))
}

const EXISTING_UNITS: &str = "SELECT id, slug, fingerprint, retired FROM org_units";
const EXISTING_SERVICES: &str = "SELECT id, slug, fingerprint, retired FROM services";

async fn existing(conn: &mut AnyConnection, sql: &'static str) -> anyhow::Result<HashMap<String, (String, String, bool)>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(sql).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(id, slug, fp, retired)| (slug, (id, fp, retired != 0))).collect())
}

const INSERT_UNIT: &str = "INSERT INTO org_units (id, slug, position, name, abbreviation, head, address, phone, email, opening_hours, \
description, fingerprint, retired, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13)";
const UPDATE_UNIT: &str = "UPDATE org_units SET position = $1, name = $2, abbreviation = $3, head = $4, address = $5, phone = $6, \
email = $7, opening_hours = $8, description = $9, fingerprint = $10, retired = 0, updated_at = $11 WHERE id = $12";
const SET_PARENT: &str = "UPDATE org_units SET parent_id = $1 WHERE id = $2";
const RETIRE_UNIT: &str = "UPDATE org_units SET retired = 1, updated_at = $1 WHERE id = $2";

const INSERT_SERVICE: &str = "INSERT INTO services (id, slug, position, name, synonyms, short_text, description, requirements, fees, \
processing_time, legal_basis, leika_key, procedure, external_url, account_required, unit_id, contacts, life_situations, fingerprint, \
retired, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0, $20)";
const UPDATE_SERVICE: &str = "UPDATE services SET position = $1, name = $2, synonyms = $3, short_text = $4, description = $5, \
requirements = $6, fees = $7, processing_time = $8, legal_basis = $9, leika_key = $10, procedure = $11, external_url = $12, \
account_required = $13, unit_id = $14, contacts = $15, life_situations = $16, fingerprint = $17, retired = 0, updated_at = $18 WHERE id = $19";
const RETIRE_SERVICE: &str = "UPDATE services SET retired = 1, updated_at = $1 WHERE id = $2";
const BUMP_VERSION: &str = "UPDATE catalogue_version SET version = version + 1 WHERE id = 1";

/// Applies a validated file. Nothing is written unless everything succeeds.
pub async fn import(db: &Db, file: &CatalogueFile, now: i64) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut tx = db.begin_write().await?;
    let units = existing(&mut tx, EXISTING_UNITS).await?;
    let mut unit_ids: HashMap<&str, String> = HashMap::new();
    for (position, u) in file.units.iter().enumerate() {
        let fp = fingerprint(u, position);
        let id = match units.get(&u.slug) {
            Some((id, old_fp, retired)) if *old_fp == fp && !retired => {
                report.unchanged += 1;
                id.clone()
            }
            Some((id, _, _)) => {
                bind_unit(sqlx::query(UPDATE_UNIT).bind(position as i64), u).bind(fp).bind(now).bind(id).execute(&mut *tx).await?;
                report.updated += 1;
                id.clone()
            }
            None => {
                let id = new_id();
                let q = sqlx::query(INSERT_UNIT).bind(id.clone()).bind(u.slug.clone()).bind(position as i64);
                bind_unit(q, u).bind(fp).bind(now).execute(&mut *tx).await?;
                report.added += 1;
                id
            }
        };
        unit_ids.insert(&u.slug, id);
    }
    // Parents in a second pass: a parent may come later in the file.
    for u in &file.units {
        let parent = u.parent.as_deref().and_then(|p| unit_ids.get(p)).cloned();
        sqlx::query(SET_PARENT).bind(parent).bind(unit_ids[u.slug.as_str()].clone()).execute(&mut *tx).await?;
    }

    let services = existing(&mut tx, EXISTING_SERVICES).await?;
    for (position, s) in file.services.iter().enumerate() {
        let fp = fingerprint(s, position);
        let unit_id = unit_ids.get(s.unit.as_str()).cloned().ok_or_else(|| anyhow::anyhow!("unknown unit {}", s.unit))?;
        match services.get(&s.slug) {
            Some((_, old_fp, retired)) if *old_fp == fp && !retired => report.unchanged += 1,
            Some((id, _, _)) => {
                let q = sqlx::query(UPDATE_SERVICE).bind(position as i64);
                bind_service(q, s, unit_id).bind(fp).bind(now).bind(id.clone()).execute(&mut *tx).await?;
                report.updated += 1;
            }
            None => {
                let q = sqlx::query(INSERT_SERVICE).bind(new_id()).bind(s.slug.clone()).bind(position as i64);
                bind_service(q, s, unit_id).bind(fp).bind(now).execute(&mut *tx).await?;
                report.added += 1;
            }
        }
    }

    // What the file no longer names is retired, services first.
    let in_file: std::collections::HashSet<&str> = file.services.iter().map(|s| s.slug.as_str()).collect();
    for (slug, (id, _, retired)) in &services {
        if !retired && !in_file.contains(slug.as_str()) {
            sqlx::query(RETIRE_SERVICE).bind(now).bind(id.clone()).execute(&mut *tx).await?;
            report.retired += 1;
        }
    }
    for (slug, (id, _, retired)) in &units {
        if !retired && !unit_ids.contains_key(slug.as_str()) {
            sqlx::query(RETIRE_UNIT).bind(now).bind(id.clone()).execute(&mut *tx).await?;
            report.retired += 1;
        }
    }
    if report.changed() {
        sqlx::query(BUMP_VERSION).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(report)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_unit<'q>(q: Query<'q>, u: &UnitEntry) -> Query<'q> {
    q.bind(u.name.clone())
        .bind(u.abbreviation.clone())
        .bind(u.head.clone())
        .bind(u.address.clone())
        .bind(u.phone.clone())
        .bind(u.email.clone())
        .bind(u.opening_hours.clone())
        .bind(u.description.clone())
}

fn bind_service<'q>(q: Query<'q>, s: &ServiceEntry, unit_id: String) -> Query<'q> {
    q.bind(s.name.clone())
        .bind(json(&s.synonyms))
        .bind(s.short_text.clone())
        .bind(s.description.clone())
        .bind(json(&s.requirements))
        .bind(s.fees.clone())
        .bind(s.processing_time.clone())
        .bind(s.legal_basis.clone())
        .bind(s.leika_key.clone())
        .bind(s.procedure.db())
        .bind(s.external_url.clone())
        .bind(flag(s.needs_account()))
        .bind(unit_id)
        .bind(json(&s.contacts))
        .bind(json(&s.life_situations))
}

type UnitExportRow = (
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
const EXPORT_UNITS: &str = "SELECT u.slug, p.slug, u.name, u.abbreviation, u.head, u.address, u.phone, u.email, u.opening_hours, u.description \
FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.retired = 0 ORDER BY u.position";
const EXPORT_SERVICES: &str = "SELECT s.slug, s.name, s.synonyms, s.short_text, s.description, s.requirements, s.fees, s.processing_time, \
s.legal_basis, s.leika_key, s.procedure, s.external_url, s.account_required, u.slug, s.contacts, s.life_situations \
FROM services s JOIN org_units u ON u.id = s.unit_id WHERE s.retired = 0 ORDER BY s.position";

/// The active catalogue as a file structure (for `catalogue export`).
pub async fn export(db: &Db) -> anyhow::Result<CatalogueFile> {
    let units: Vec<UnitExportRow> = sqlx::query_as(EXPORT_UNITS).fetch_all(&db.pool).await?;
    let units = units
        .into_iter()
        .map(|(slug, parent, name, abbreviation, head, address, phone, email, opening_hours, description)| UnitEntry {
            slug,
            name,
            abbreviation,
            parent,
            head,
            address,
            phone,
            email,
            opening_hours,
            description,
        })
        .collect();
    let rows = sqlx::query(EXPORT_SERVICES).fetch_all(&db.pool).await?;
    let mut services = Vec::with_capacity(rows.len());
    for row in rows {
        use sqlx::Row;
        let procedure = Procedure::from_db(&row.try_get::<String, _>(10)?);
        let account_required = row.try_get::<i64, _>(12)? != 0;
        let list = |i: usize| -> anyhow::Result<Vec<String>> { Ok(serde_json::from_str(&row.try_get::<String, _>(i)?)?) };
        let contacts: Vec<Contact> = serde_json::from_str(&row.try_get::<String, _>(14)?)?;
        services.push(ServiceEntry {
            slug: row.try_get(0)?,
            name: row.try_get(1)?,
            synonyms: list(2)?,
            short_text: row.try_get(3)?,
            description: row.try_get(4)?,
            requirements: list(5)?,
            fees: row.try_get(6)?,
            processing_time: row.try_get(7)?,
            legal_basis: row.try_get(8)?,
            leika_key: row.try_get(9)?,
            procedure,
            external_url: row.try_get(11)?,
            // Written out only where it differs from the default, as a person would.
            account_required: (account_required != (procedure == Procedure::Online)).then_some(account_required),
            unit: row.try_get(13)?,
            contacts,
            life_situations: list(15)?,
        });
    }
    Ok(CatalogueFile { units, services })
}
