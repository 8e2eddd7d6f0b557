//! Login-Daten: the citizen's own data (Allgemein, Kennwort, Adresse), sessions,
//! data export and account deletion.

pub mod countries;
pub mod data_routes;
pub mod domain;
pub mod general;
pub mod own_data;
pub mod password;
pub mod password_check;
pub mod routes;
pub mod sessions;
pub mod store;
