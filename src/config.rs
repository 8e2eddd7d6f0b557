//! Settings: environment variables `BP_*` (and the same keys in an optional
//! `buergerportal.toml`) turned into a typed [`Config`], validated once at start.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use lettre::message::Mailbox;
use serde::Deserialize;

/// Where the application runs. Production refuses test switches and insecure cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// The validated settings of one instance.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub base_url: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub smtp_url: Option<String>,
    pub mail_from: Mailbox,
    pub environment: Environment,
    /// For automated tests only: every captcha also accepts this answer.
    pub captcha_test_answer: Option<String>,
    pub initial_password_ttl: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl std::fmt::Debug for Config {
    // Hand-written so that credentials inside URLs never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("base_url", &self.base_url)
            .field("database", &redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("smtp", &self.smtp_url.as_deref().map(redact_url))
            .field("environment", &self.environment)
            .field("captcha_test_answer", &self.captcha_test_answer.is_some())
            .field("initial_password_ttl", &self.initial_password_ttl)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// A setting that cannot be used, with the variable it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{variable}: {message}")]
    Invalid { variable: &'static str, message: String },
    #[error("settings could not be read: {0}")]
    Unreadable(String),
}

/// Figment reads `BP_X=4711` as a number; every setting is text to us.
fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Int(i128),
        Float(f64),
        Bool(bool),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|v| match v {
        Scalar::Text(s) => s,
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawSettings {
    #[serde(deserialize_with = "lenient_string")]
    listen: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    base_url: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    database_url: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    data_dir: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    smtp_url: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    mail_from: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    env: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    captcha_test_answer: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    initial_password_ttl: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    trusted_proxies: Option<String>,
}

impl Config {
    /// Reads `buergerportal.toml` (if present in the working directory) and then
    /// the environment, which wins.
    pub fn load() -> Result<Self, ConfigError> {
        let raw: RawSettings = Figment::new()
            .merge(Toml::file("buergerportal.toml"))
            .merge(Env::prefixed("BP_").map(|k| k.as_str().to_ascii_lowercase().into()))
            .extract()
            .map_err(|e| ConfigError::Unreadable(e.to_string()))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawSettings) -> Result<Self, ConfigError> {
        let invalid = |variable: &'static str, message: String| ConfigError::Invalid { variable, message };
        let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());

        let listen = non_empty(raw.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr =
            listen.parse().map_err(|_| invalid("BP_LISTEN", format!("'{listen}' is not an address like 127.0.0.1:8080")))?;

        let base_url = non_empty(raw.base_url).unwrap_or_else(|| "http://127.0.0.1:8080".into());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) || base_url.contains(char::is_whitespace) {
            return Err(invalid("BP_BASE_URL", format!("'{base_url}' must be an absolute http(s) URL")));
        }
        let base_url = base_url.trim_end_matches('/').to_string();

        let data_dir = PathBuf::from(non_empty(raw.data_dir).unwrap_or_else(|| "./data".into()));

        let database_url = non_empty(raw.database_url).unwrap_or_else(|| "sqlite://data/buergerportal.db".into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid("BP_DATABASE_URL", "must start with sqlite:// or postgres://".into()));
        }

        let smtp_url = non_empty(raw.smtp_url);
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(invalid("BP_SMTP_URL", "must start with smtp:// or smtps://".into()));
        }

        let mail_from = non_empty(raw.mail_from).unwrap_or_else(|| "Bürgerportal <noreply@localhost>".into());
        let mail_from: Mailbox =
            mail_from.parse().map_err(|_| invalid("BP_MAIL_FROM", format!("'{mail_from}' is not a mailbox like 'Name <a@b.de>'")))?;

        let environment = match non_empty(raw.env).as_deref().map(str::trim) {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => return Err(invalid("BP_ENV", format!("'{other}' is neither development nor production"))),
        };

        let captcha_test_answer = non_empty(raw.captcha_test_answer);
        if captcha_test_answer.is_some() && environment == Environment::Production {
            return Err(invalid("BP_CAPTCHA_TEST_ANSWER", "is a test switch and refused when BP_ENV=production".into()));
        }
        if environment == Environment::Production && !base_url.starts_with("https://") {
            return Err(invalid("BP_BASE_URL", "must use https:// when BP_ENV=production (cookies are Secure)".into()));
        }

        let ttl = non_empty(raw.initial_password_ttl).unwrap_or_else(|| "24h".into());
        let initial_password_ttl = humantime::parse_duration(ttl.trim())
            .map_err(|_| invalid("BP_INITIAL_PASSWORD_TTL", format!("'{ttl}' is not a duration like 24h or 90m")))?;
        if initial_password_ttl < Duration::from_secs(60) || initial_password_ttl > Duration::from_secs(30 * 24 * 3600) {
            return Err(invalid("BP_INITIAL_PASSWORD_TTL", "must be between 1 minute and 30 days".into()));
        }

        let mut trusted_proxies = Vec::new();
        for part in non_empty(raw.trusted_proxies).unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            trusted_proxies.push(part.parse().map_err(|_| invalid("BP_TRUSTED_PROXIES", format!("'{part}' is not an IP address")))?);
        }

        Ok(Config {
            listen,
            base_url,
            database_url,
            data_dir,
            smtp_url,
            mail_from,
            environment,
            captcha_test_answer,
            initial_password_ttl,
            trusted_proxies,
        })
    }

    /// Whether cookies must carry `Secure` and the `__Host-` prefix.
    pub fn secure_cookies(&self) -> bool {
        self.environment == Environment::Production
    }

    /// The directory where mails are written when no SMTP server is configured.
    pub fn mail_drop_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// The directory with the operator-editable page texts (Impressum, …).
    pub fn pages_dir(&self) -> PathBuf {
        self.data_dir.join("seiten")
    }
}

/// Removes a password from `scheme://user:password@host/...`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSettings {
        RawSettings::default()
    }

    #[test]
    fn defaults_match_the_design_contract() {
        let c = Config::from_raw(raw()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/buergerportal.db");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.smtp_url.is_none());
        assert_eq!(c.mail_from.email.to_string(), "noreply@localhost");
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.initial_password_ttl, Duration::from_secs(24 * 3600));
    }

    #[test]
    fn production_refuses_the_captcha_test_switch() {
        let err = Config::from_raw(RawSettings {
            env: Some("production".into()),
            base_url: Some("https://portal.example.de".into()),
            captcha_test_answer: Some("4711".into()),
            ..raw()
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("BP_CAPTCHA_TEST_ANSWER"));
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (settings, variable) in [
            (RawSettings { listen: Some("nonsense".into()), ..raw() }, "BP_LISTEN"),
            (RawSettings { initial_password_ttl: Some("soon".into()), ..raw() }, "BP_INITIAL_PASSWORD_TTL"),
            (RawSettings { env: Some("staging".into()), ..raw() }, "BP_ENV"),
            (RawSettings { database_url: Some("mysql://x".into()), ..raw() }, "BP_DATABASE_URL"),
            (RawSettings { smtp_url: Some("http://x".into()), ..raw() }, "BP_SMTP_URL"),
            (RawSettings { mail_from: Some("not a mailbox".into()), ..raw() }, "BP_MAIL_FROM"),
            (RawSettings { trusted_proxies: Some("10.0.0.1, proxy".into()), ..raw() }, "BP_TRUSTED_PROXIES"),
        ] {
            let err = Config::from_raw(settings).unwrap_err();
            assert!(err.to_string().starts_with(variable), "{err}");
        }
    }

    #[test]
    fn redaction_hides_passwords_in_urls() {
        assert_eq!(redact_url("postgres://bp:secret@db/bp"), "postgres://bp:***@db/bp");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
