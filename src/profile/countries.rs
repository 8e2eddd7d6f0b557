//! The country list for addresses: ISO 3166-1 alpha-2 codes with German names
//! (from the npm package i18n-iso-countries, embedded at build time), sorted the
//! German way. Citizens see names, the database stores codes.

use std::sync::OnceLock;

use crate::text::german_sort_key;

const GERMAN_NAMES: &str = include_str!("../../node_modules/i18n-iso-countries/langs/de.json");

/// Names the package has in English only, in their official German form.
const CORRECTIONS: &[(&str, &str)] = &[("UM", "Kleinere Amerikanische Überseeinseln")];

/// The code of the default country.
pub const GERMANY: &str = "DE";

/// `(code, German name)` for every country, Deutschland first, then A–Z.
pub fn all() -> &'static [(String, String)] {
    static LIST: OnceLock<Vec<(String, String)>> = OnceLock::new();
    LIST.get_or_init(|| {
        let parsed: serde_json::Value = serde_json::from_str(GERMAN_NAMES).expect("embedded country list is JSON");
        let mut list: Vec<(String, String)> = parsed["countries"]
            .as_object()
            .expect("countries object")
            .iter()
            .filter_map(|(code, name)| {
                // Some entries list alternatives; the first is the common name.
                let name = name.as_str().or_else(|| name.get(0).and_then(|n| n.as_str()))?;
                let name = CORRECTIONS.iter().find(|(c, _)| c == code).map_or(name, |(_, german)| german);
                Some((code.clone(), name.to_string()))
            })
            .collect();
        list.sort_by_key(|(code, name)| (code != GERMANY, german_sort_key(name)));
        list
    })
}

/// The German name of `code`, if it is a known country.
pub fn name_of(code: &str) -> Option<&'static str> {
    all().iter().find(|(c, _)| c == code).map(|(_, n)| n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_german_names_and_starts_with_germany() {
        let list = all();
        assert!(list.len() > 240);
        assert_eq!(list[0], ("DE".to_string(), "Deutschland".to_string()));
        assert_eq!(name_of("AT"), Some("Österreich"));
        assert_eq!(name_of("UM"), Some("Kleinere Amerikanische Überseeinseln"), "no truncated slugs, no English");
        assert_eq!(name_of("XX"), None);
        // Ägypten sorts under A.
        let pos = |code: &str| list.iter().position(|(c, _)| c == code).unwrap();
        assert!(pos("EG") < pos("AL") || pos("EG") < pos("DZ"));
        assert!(pos("EG") < pos("BE"));
    }
}
