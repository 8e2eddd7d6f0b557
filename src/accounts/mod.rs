//! The Bürgerkonto: registration, first login, login, logout, sessions.

pub mod domain;
pub mod first_login;
pub mod login;
pub mod registration;
pub mod renewal;
pub mod routes;
pub mod sessions;
pub mod store;
