//! Integration tests: the real server over HTTP, a real SMTP server, a real
//! database (SQLite by default; PostgreSQL when BP_TEST_POSTGRES_URL is set).

mod catalogue;
mod first_login;
mod foundation;
mod helpers;
mod login;
mod mail_outbox;
mod profile;
mod recovery;
mod registration;
