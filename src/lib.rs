//! Bürgerportal: a citizen portal for German municipalities.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod captcha;
pub mod catalogue;
pub mod config;
pub mod crypto;
pub mod db;
pub mod mail;
pub mod profile;
pub mod text;
pub mod throttle;
pub mod web;
