//! Reading and writing our cookies. In production they carry `Secure` and the
//! `__Host-` prefix; in development (plain http://127.0.0.1) they can't.

use axum::http::{HeaderMap, HeaderValue, header::COOKIE};

use crate::config::Config;

/// The session cookie's base name.
pub const SESSION: &str = "bp_session";
/// The CSRF cookie's base name.
pub const CSRF: &str = "bp_csrf";

/// The full cookie name for this environment.
pub fn name(config: &Config, base: &str) -> String {
    if config.secure_cookies() { format!("__Host-{base}") } else { base.to_string() }
}

/// The value of cookie `name` in the request, if present.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value. `max_age_secs: None` makes a browser-session cookie.
pub fn set(config: &Config, base: &str, value: &str, max_age_secs: Option<i64>) -> HeaderValue {
    let mut c = format!("{}={}; Path=/; HttpOnly; SameSite=Lax", name(config, base), value);
    if config.secure_cookies() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).expect("cookie values are base64url")
}

/// A `Set-Cookie` value that deletes the cookie.
pub fn clear(config: &Config, base: &str) -> HeaderValue {
    set(config, base, "", Some(0))
}
