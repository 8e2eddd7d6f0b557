//! The catalogue file (docs/CATALOGUE_FORMAT.md): TOML in, validated entries out,
//! every error with its place. Export writes the same format back.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    #[serde(default, rename = "unit")]
    pub units: Vec<UnitEntry>,
    #[serde(default, rename = "service")]
    pub services: Vec<ServiceEntry>,
}

/// One `[[unit]]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnitEntry {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbreviation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// How a service is done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    Online,
    External,
    #[default]
    InPerson,
}

impl Procedure {
    pub fn db(self) -> &'static str {
        match self {
            Procedure::Online => "online",
            Procedure::External => "external",
            Procedure::InPerson => "in_person",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "online" => Procedure::Online,
            "external" => Procedure::External,
            _ => Procedure::InPerson,
        }
    }
}

/// A contact person of a service.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

/// One `[[service]]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    pub short_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leika_key: Option<String>,
    pub procedure: Procedure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_required: Option<bool>,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub life_situations: Vec<String>,
}

impl ServiceEntry {
    /// `account_required` with its default: needed for online services only.
    pub fn needs_account(&self) -> bool {
        self.account_required.unwrap_or(self.procedure == Procedure::Online)
    }
}

/// One problem in the file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// e.g. `service[17] "hundesteuer"`, or `line 12` for syntax errors.
    pub place: String,
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field `{}`: {}", self.place, field, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

fn syntax_error(text: &str, e: &toml::de::Error) -> FileError {
    let (line, entry) = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let units = before.matches("[[unit]]").count();
            let services = before.matches("[[service]]").count();
            let last_unit = before.rfind("[[unit]]");
            let last_service = before.rfind("[[service]]");
            let entry = match (last_unit, last_service) {
                (Some(u), Some(s)) if s > u => Some(format!("service[{}]", services)),
                (Some(_), _) => Some(format!("unit[{}]", units)),
                (None, Some(_)) => Some(format!("service[{}]", services)),
                (None, None) => None,
            };
            (line, entry)
        }
        None => (0, None),
    };
    let message = e.message().to_string();
    let place = match entry {
        Some(entry) => format!("line {line} ({entry})"),
        None => format!("line {line}"),
    };
    FileError { place, field: None, message }
}

/// Parses and validates a catalogue file; all errors at once.
pub fn parse(bytes: &[u8]) -> Result<CatalogueFile, Vec<FileError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![FileError { place: format!("line {line}"), field: None, message: "the file is not valid UTF-8".into() }]
    })?;
    let mut file: CatalogueFile = toml::from_str(text).map_err(|e| vec![syntax_error(text, &e)])?;
    let errors = validate(&file);
    if !errors.is_empty() {
        return Err(errors);
    }
    // An explicit default says nothing: drop it, so export → import is exact.
    for s in &mut file.services {
        if s.account_required == Some(s.procedure == Procedure::Online) {
            s.account_required = None;
        }
    }
    Ok(file)
}

/// Paths under /dienste that are pages, not services.
const RESERVED_SERVICE_SLUGS: &[&str] = &["a-z", "suche"];

fn valid_slug(s: &str) -> bool {
    !s.is_empty() && s.len() <= 80 && s.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Every rule the format names that TOML itself can't check.
pub fn validate(file: &CatalogueFile) -> Vec<FileError> {
    let mut errors = Vec::new();
    let mut err = |place: &str, field: &str, message: String| {
        errors.push(FileError { place: place.to_string(), field: Some(field.to_string()), message })
    };
    let text_ok = |s: &str| !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');

    let mut unit_slugs: HashMap<&str, usize> = HashMap::new();
    for (i, u) in file.units.iter().enumerate() {
        let place = format!("unit[{}] \"{}\"", i + 1, u.slug);
        if !valid_slug(&u.slug) {
            err(&place, "slug", "must consist of a-z, 0-9 and single hyphens".into());
        } else if unit_slugs.insert(&u.slug, i).is_some() {
            err(&place, "slug", format!("duplicate slug \"{}\"", u.slug));
        }
        if u.name.trim().is_empty() {
            err(&place, "name", "must not be empty".into());
        }
        for (field, value) in [
            ("name", Some(&u.name)),
            ("address", u.address.as_ref()),
            ("opening_hours", u.opening_hours.as_ref()),
            ("description", u.description.as_ref()),
        ] {
            if value.is_some_and(|v| !text_ok(v)) {
                err(&place, field, "contains control characters".into());
            }
        }
        if let Some(email) = &u.email
            && crate::accounts::domain::Email::parse(email).is_err()
        {
            err(&place, "email", format!("\"{email}\" is not an e-mail address"));
        }
    }
    for (i, u) in file.units.iter().enumerate() {
        let place = format!("unit[{}] \"{}\"", i + 1, u.slug);
        if let Some(parent) = &u.parent {
            if !unit_slugs.contains_key(parent.as_str()) {
                err(&place, "parent", format!("unknown unit \"{parent}\""));
                continue;
            }
            // Walk up; a cycle returns to this unit or runs longer than there are units.
            let mut seen = HashSet::new();
            let mut current = Some(parent.as_str());
            while let Some(slug) = current {
                if slug == u.slug || !seen.insert(slug) {
                    err(&place, "parent", "the units form a cycle".into());
                    break;
                }
                current = unit_slugs.get(slug).and_then(|&j| file.units[j].parent.as_deref());
            }
        }
    }

    let mut service_slugs = HashSet::new();
    for (i, s) in file.services.iter().enumerate() {
        let place = format!("service[{}] \"{}\"", i + 1, s.slug);
        if RESERVED_SERVICE_SLUGS.contains(&s.slug.as_str()) {
            err(&place, "slug", format!("\"{}\" is reserved for a page of the portal", s.slug));
        } else if !valid_slug(&s.slug) {
            err(&place, "slug", "must consist of a-z, 0-9 and single hyphens".into());
        } else if !service_slugs.insert(&s.slug) {
            err(&place, "slug", format!("duplicate slug \"{}\"", s.slug));
        }
        for (field, value) in [("name", &s.name), ("short_text", &s.short_text)] {
            if value.trim().is_empty() {
                err(&place, field, "must not be empty".into());
            } else if !text_ok(value) {
                err(&place, field, "contains control characters".into());
            }
        }
        if !unit_slugs.contains_key(s.unit.as_str()) {
            err(&place, "unit", format!("unknown unit \"{}\"", s.unit));
        }
        match (s.procedure, &s.external_url) {
            (Procedure::External, None) => err(&place, "external_url", "is required for procedure \"external\"".into()),
            (_, Some(url)) if !url.starts_with("https://") || url.contains(char::is_whitespace) => {
                err(&place, "external_url", format!("\"{url}\" must be an https:// URL"))
            }
            _ => {}
        }
        if let Some(key) = &s.leika_key
            && (key.len() != 14 || !key.chars().all(|c| c.is_ascii_digit()))
        {
            err(&place, "leika_key", format!("\"{key}\" must have 14 digits"));
        }
        for (j, c) in s.contacts.iter().enumerate() {
            if c.name.trim().is_empty() {
                err(&place, &format!("contacts[{}].name", j + 1), "must not be empty".into());
            }
        }
        if s.synonyms.iter().chain(&s.requirements).chain(&s.life_situations).any(|v| v.trim().is_empty() || !text_ok(v)) {
            err(&place, "synonyms/requirements/life_situations", "entries must not be empty or contain control characters".into());
        }
    }
    errors
}

/// Writes `file` as TOML in the documented format.
pub fn to_toml(file: &CatalogueFile) -> String {
    let body = toml::to_string_pretty(file).expect("catalogue entries always serialise");
    format!("# Bürgerportal catalogue — format: docs/CATALOGUE_FORMAT.md\n\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[unit]]
slug = "vv"
name = "Verwaltungsvorstand"

[[unit]]
slug = "fb-1"
name = "Fachbereich Bürgerservice"
parent = "vv"

[[service]]
slug = "hundesteuer"
name = "Hund anmelden (Hundesteuer)"
synonyms = ["Hundemarke"]
short_text = "Wer einen Hund hält, meldet ihn an."
procedure = "online"
unit = "fb-1"
"#;

    fn errors(text: &str) -> Vec<String> {
        parse(text.as_bytes()).unwrap_err().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_valid_file_parses_and_round_trips() {
        let file = parse(SMALL.as_bytes()).unwrap();
        assert_eq!(file.units.len(), 2);
        assert!(file.services[0].needs_account());
        let again = parse(to_toml(&file).as_bytes()).unwrap();
        assert_eq!(again, file);
        assert_eq!(to_toml(&again), to_toml(&file));
    }

    #[test]
    fn errors_name_their_place() {
        let e = errors(&SMALL.replace("unit = \"fb-1\"", "unit = \"fb-9\""));
        assert_eq!(e, ["service[1] \"hundesteuer\", field `unit`: unknown unit \"fb-9\""]);
        let e = errors(&format!(
            "{SMALL}\n[[service]]\nslug = \"hundesteuer\"\nname = \"x\"\nshort_text = \"y\"\nprocedure = \"online\"\nunit = \"vv\"\n"
        ));
        assert!(e[0].contains("service[2]") && e[0].contains("duplicate slug"), "{e:?}");
        let e = errors(&SMALL.replace("parent = \"vv\"", "parent = \"fb-1\""));
        assert!(e[0].contains("cycle"), "{e:?}");
        let e = errors(&SMALL.replace("slug = \"vv\"\nname", "slug = \"vv\"\nparent = \"fb-1\"\nname"));
        assert!(e.iter().all(|m| m.contains("cycle")), "{e:?}");
        let e = errors(&SMALL.replace("short_text", "kurztext"));
        assert!(e[0].starts_with("line ") && e[0].contains("service[1]") && e[0].contains("kurztext"), "{e:?}");
        let e = errors(&SMALL.replace("procedure = \"online\"", "procedure = \"external\""));
        assert!(e[0].contains("external_url"), "{e:?}");
        let e = errors(&SMALL.replace("procedure = \"online\"", "procedure = \"fax\""));
        assert!(e[0].contains("line"), "{e:?}");
        let e = errors("[[service]]\nslug = \"x\"\n");
        assert!(e[0].contains("missing field"), "{e:?}");
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line() {
        let mut bytes = SMALL.as_bytes().to_vec();
        bytes.extend_from_slice(b"\n# \xff\n");
        let e: Vec<String> = parse(&bytes).unwrap_err().iter().map(ToString::to_string).collect();
        assert!(e[0].contains("UTF-8") && e[0].starts_with("line 19"), "{e:?}");
    }
}

#[cfg(test)]
mod demo_tests {
    #[test]
    fn the_demo_catalogue_is_valid_and_big_enough() {
        let file = super::parse(crate::catalogue::DEMO_CATALOGUE.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(file.services.len() >= 60);
        assert!(file.units.iter().filter(|u| u.parent.as_deref() == Some(file.units[0].slug.as_str())).count() >= 8, "8 Fachbereiche");
        for slug in ["personalausweis", "reisepass", "hundesteuer", "sperrmuell", "gewerbeanmeldung", "bewohnerparkausweis"] {
            assert!(file.services.iter().any(|s| s.slug == slug), "{slug}");
        }
    }
}
