//! The Bürgerkonto: registration, first login, login, logout, sessions.

pub mod cleanup;
pub mod domain;
pub mod first_login;
pub mod login;
pub mod recovery;
pub mod recovery_routes;
pub mod registration;
pub mod routes;
pub mod sessions;
pub mod store;
