//! The service catalogue (Onlinedienste, Alle Dienste A–Z, search) and the
//! Verwaltungsgliederung, loaded from a catalogue file.

pub mod file;
pub mod import;
pub mod markdown;
pub mod routes;
pub mod search;
pub mod store;

use std::sync::{
    Arc, RwLock,
    atomic::{AtomicI64, Ordering},
};

use crate::db::Db;

/// The demonstration catalogue of the fictional city "Musterstadt" (`serve --demo`).
pub const DEMO_CATALOGUE: &str = include_str!("../../demo/catalogue.toml");

/// Imports the demo catalogue (idempotent: a restart changes nothing).
pub async fn load_demo(db: &Db, now: i64) -> anyhow::Result<import::ImportReport> {
    let file = file::parse(DEMO_CATALOGUE.as_bytes()).map_err(|errors| {
        anyhow::anyhow!("the demo catalogue is invalid: {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    })?;
    import::import(db, &file, now).await
}

/// How often an instance asks the database whether the catalogue changed.
const VERSION_CHECK_MS: i64 = 2_000;

/// The in-memory search index of this instance, rebuilt when an import (on any
/// instance) bumped the catalogue version.
pub struct CatalogueCache {
    index: RwLock<Arc<search::SearchIndex>>,
    version: AtomicI64,
    checked_at: AtomicI64,
}

impl Default for CatalogueCache {
    fn default() -> Self {
        CatalogueCache {
            index: RwLock::new(Arc::new(search::SearchIndex::build(vec![]))),
            version: AtomicI64::new(-1),
            checked_at: AtomicI64::new(i64::MIN),
        }
    }
}

impl CatalogueCache {
    /// The current index; checks the catalogue version at most every two seconds.
    pub async fn index(&self, db: &Db, now: i64) -> anyhow::Result<Arc<search::SearchIndex>> {
        if now.saturating_sub(self.checked_at.load(Ordering::Relaxed)) >= VERSION_CHECK_MS {
            self.checked_at.store(now, Ordering::Relaxed);
            let version = store::version(&db.pool).await?;
            if version != self.version.load(Ordering::Relaxed) {
                let fresh = Arc::new(search::SearchIndex::build(store::service_summaries(&db.pool).await?));
                *self.index.write().expect("index lock") = fresh;
                self.version.store(version, Ordering::Relaxed);
            }
        }
        Ok(self.index.read().expect("index lock").clone())
    }

    /// Forgets when the version was last checked (after an import in this process).
    pub fn invalidate(&self) {
        self.checked_at.store(i64::MIN, Ordering::Relaxed);
    }
}
