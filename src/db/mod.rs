//! Database access for SQLite and PostgreSQL through sqlx's `Any` driver:
//! one pool, one query set, one migration set. Backend differences live here.

use std::{borrow::Cow, str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Executor,
    any::AnyPoolOptions,
    migrate::{Migration, MigrationType, Migrator},
    sqlite::SqliteConnectOptions,
};

/// Which engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of the persistence layer. The layer above never matches on driver errors.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("row not found")]
    NotFound,
    #[error("unique constraint violated")]
    Conflict,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(ref d) if d.is_unique_violation() => DbError::Conflict,
            other => DbError::Other(other.into()),
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// The shared connection pool and the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// Our migrations, embedded in the binary so that one file is all an operator installs.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../../migrations/0001_foundation.sql")),
    (2, "profile", include_str!("../../migrations/0002_profile.sql")),
    (3, "catalogue", include_str!("../../migrations/0003_catalogue.sql")),
];

impl Db {
    /// Connects (creating the SQLite file and its folder when needed) and sets the
    /// SQLite pragmas DESIGN §5 asks for on every connection.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            let opts = SqliteConnectOptions::from_str(&url)?;
            let path = opts.get_filename();
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute("PRAGMA synchronous=NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout=5000").await?;
                        conn.execute("PRAGMA foreign_keys=ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Db { pool, backend })
    }

    fn migrator() -> Migrator {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(*version, Cow::Borrowed(*name), MigrationType::Simple, sqlx::SqlSafeStr::into_sql_str(*sql), false)
            })
            .collect();
        Migrator::with_migrations(migrations)
    }

    /// Applies all pending migrations (several instances may call this at once:
    /// sqlx takes an advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        Self::migrator().run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers and every migration of this binary is applied.
    pub async fn is_ready(&self) -> bool {
        let latest = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        let applied: Result<Option<i64>, _> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = $1").bind(true).fetch_one(&self.pool).await;
        matches!(applied, Ok(Some(v)) if v >= latest)
    }
}

impl Db {
    /// Starts a transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then
    /// writes can fail with SQLITE_BUSY when another writer got in between, while an
    /// immediate one simply waits its turn (busy_timeout).
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}

/// A source of the current time, injectable so that tests can let time pass.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_ms(&self) -> i64;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_millis() as i64
    }
}

/// A fresh random-and-time-ordered id for a row (UUID v7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Booleans are stored as 0/1 integers so one schema serves both engines.
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}
