//! German text helpers shared by features: sort keys that put Ä with A, Ö with O,
//! Ü with U and ß as ss, as German dictionaries and telephone books do (DIN 5007-1).

use unicode_normalization::UnicodeNormalization;

/// The key to sort `s` by in German order (case- and accent-insensitive).
pub fn german_sort_key(s: &str) -> String {
    s.nfd()
        .filter(|c| !matches!(*c as u32, 0x0300..=0x036F))
        .flat_map(char::to_lowercase)
        .flat_map(|c| if c == 'ß' { vec!['s', 's'] } else { vec![c] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::german_sort_key;

    #[test]
    fn umlauts_sort_with_their_base_letter() {
        let mut words = vec!["Zypern", "Ägypten", "Österreich", "Algerien", "Oman", "Übersee", "Uganda", "Straße", "Strasbourg"];
        words.sort_by_key(|w| german_sort_key(w));
        assert_eq!(words, ["Ägypten", "Algerien", "Oman", "Österreich", "Strasbourg", "Straße", "Übersee", "Uganda", "Zypern"]);
    }
}
