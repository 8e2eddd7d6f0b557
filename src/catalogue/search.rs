//! Finding services the way citizens type: case and umlauts don't matter (ä, ae
//! and a are one letter), word endings don't matter ("Hunde" finds "Hund"), parts
//! of compound words count ("steuer" finds "Hundesteuer"), synonyms count ("Perso"),
//! and small typos are forgiven ("Hundesteur", "Persnalausweis").

use std::collections::HashMap;

use crate::{catalogue::store::ServiceSummary, text::german_sort_key};

/// Where a term was found; names weigh most.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    Name,
    Synonym,
    Other,
}

/// Words that carry no meaning for the search.
const STOPWORDS: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einer", "und", "oder", "fur", "mit", "von", "zum", "zur", "im",
    "in", "am", "an", "auf", "ich", "mein", "meine", "meinen", "wie", "wo", "was", "will", "mochte",
];

/// Lower case, umlauts and their spellings folded to the base letter, ß as ss.
pub fn fold(s: &str) -> String {
    german_sort_key(s).replace("ae", "a").replace("oe", "o").replace("ue", "u")
}

/// A light German stemmer: drops common inflection endings of longer words.
fn stem(word: &str) -> &str {
    for suffix in ["ungen", "ung", "en", "er", "es", "e", "n", "s"] {
        if word.len() >= suffix.len() + 4
            && let Some(stripped) = word.strip_suffix(suffix)
        {
            return stripped;
        }
    }
    word
}

/// The searchable terms of a text.
fn terms(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(w))
        .map(|w| stem(w).to_string())
        .collect()
}

/// The index over all active services, rebuilt when the catalogue changes.
pub struct SearchIndex {
    pub services: Vec<ServiceSummary>,
    /// term → services (with the best field the term appears in).
    vocabulary: Vec<(String, Vec<(u32, Field)>)>,
    exact: HashMap<String, usize>,
    /// Folded name and synonyms per service, for whole-phrase matches.
    phrases: Vec<Vec<String>>,
    /// German sort key of each service's name (computed once: NFD is not cheap).
    sort_keys: Vec<String>,
    /// Service indexes in German alphabetical order.
    pub by_name: Vec<u32>,
}

/// How well one query term matches one vocabulary term.
fn closeness(query: &str, term: &str) -> Option<u32> {
    if query == term {
        return Some(10);
    }
    let (ql, tl) = (query.chars().count(), term.chars().count());
    if ql >= 3 && term.starts_with(query) {
        return Some(7);
    }
    if ql >= 4 && term.contains(query) {
        return Some(5);
    }
    // Typos: one edit in short words, two in long ones.
    let allowed = match ql {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    if allowed > 0 && ql.abs_diff(tl) <= allowed {
        let d = strsim::osa_distance(query, term);
        if d <= allowed {
            return Some(4);
        }
    }
    // A misspelt compound part: "hundesteur" vs "hundesteuer" is covered above;
    // "steur" inside "hundesteuer" needs a fuzzy look at the term's tail.
    if allowed > 0 && tl > ql + allowed {
        let tail: String = term.chars().skip(tl - ql).collect();
        if strsim::osa_distance(query, &tail) <= allowed {
            return Some(3);
        }
    }
    None
}

fn weight(field: Field) -> u32 {
    match field {
        Field::Name => 3,
        Field::Synonym => 3,
        Field::Other => 1,
    }
}

impl SearchIndex {
    pub fn build(services: Vec<ServiceSummary>) -> Self {
        let mut postings: HashMap<String, Vec<(u32, Field)>> = HashMap::new();
        let mut phrases = Vec::with_capacity(services.len());
        for (i, s) in services.iter().enumerate() {
            let i = i as u32;
            let mut add = |text: &str, field: Field| {
                for t in terms(text) {
                    let list = postings.entry(t).or_default();
                    match list.iter_mut().find(|(svc, _)| *svc == i) {
                        Some(entry) if weight(field) > weight(entry.1) => entry.1 = field,
                        Some(_) => {}
                        None => list.push((i, field)),
                    }
                }
            };
            add(&s.name, Field::Name);
            for syn in &s.synonyms {
                add(syn, Field::Synonym);
            }
            add(&s.short_text, Field::Other);
            add(&s.unit_name, Field::Other);
            for l in &s.life_situations {
                add(l, Field::Other);
            }
            phrases.push(
                std::iter::once(&s.name).chain(&s.synonyms).map(|p| fold(p).split_whitespace().collect::<Vec<_>>().join(" ")).collect(),
            );
        }
        let vocabulary: Vec<(String, Vec<(u32, Field)>)> = postings.into_iter().collect();
        let exact = vocabulary.iter().enumerate().map(|(i, (t, _))| (t.clone(), i)).collect();
        let sort_keys: Vec<String> = services.iter().map(|s| german_sort_key(&s.name)).collect();
        let mut by_name: Vec<u32> = (0..services.len() as u32).collect();
        by_name.sort_by(|a, b| sort_keys[*a as usize].cmp(&sort_keys[*b as usize]));
        SearchIndex { services, vocabulary, exact, phrases, sort_keys, by_name }
    }

    /// The letter a service is listed under in A–Z (Ä under A, digits under '#').
    pub fn letter_of(&self, service: u32) -> char {
        self.sort_keys[service as usize].chars().next().map(|c| c.to_ascii_uppercase()).filter(char::is_ascii_uppercase).unwrap_or('#')
    }

    /// Services matching `query`, best first (at most `limit`).
    pub fn search(&self, query: &str, limit: usize) -> Vec<&ServiceSummary> {
        let query: String = query.chars().take(200).collect();
        let wanted = terms(&query);
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut scores: HashMap<u32, (u32, usize)> = HashMap::new(); // service → (score, matched terms)
        for q in &wanted {
            let mut best: HashMap<u32, u32> = HashMap::new();
            let mut note = |postings: &Vec<(u32, Field)>, closeness: u32| {
                for (svc, field) in postings {
                    let s = closeness * weight(*field);
                    let e = best.entry(*svc).or_insert(0);
                    *e = (*e).max(s);
                }
            };
            if let Some(&i) = self.exact.get(q) {
                note(&self.vocabulary[i].1, 10);
            }
            for (term, postings) in &self.vocabulary {
                if term == q {
                    continue;
                }
                if let Some(c) = closeness(q, term) {
                    note(postings, c);
                }
            }
            for (svc, s) in best {
                let e = scores.entry(svc).or_insert((0, 0));
                e.0 += s;
                e.1 += 1;
            }
        }
        let folded_query = fold(&query).split_whitespace().collect::<Vec<_>>().join(" ");
        // Prefer services that match every term; fall back to any term.
        let all_terms = scores.values().any(|(_, n)| *n == wanted.len());
        let mut hits: Vec<(u32, u32)> = scores
            .into_iter()
            .filter(|(_, (_, n))| !all_terms || *n == wanted.len())
            .map(|(svc, (score, _))| {
                let phrase_bonus = if self.phrases[svc as usize].contains(&folded_query) { 100 } else { 0 };
                (svc, score + phrase_bonus)
            })
            .collect();
        let order =
            |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then_with(|| self.sort_keys[a.0 as usize].cmp(&self.sort_keys[b.0 as usize]));
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit, order);
            hits.truncate(limit);
        }
        hits.sort_by(order);
        hits.into_iter().map(|(svc, _)| &self.services[svc as usize]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::file::Procedure;

    fn service(slug: &str, name: &str, synonyms: &[&str], short: &str) -> ServiceSummary {
        ServiceSummary {
            slug: slug.into(),
            name: name.into(),
            synonyms: synonyms.iter().map(|s| s.to_string()).collect(),
            short_text: short.into(),
            procedure: Procedure::Online,
            life_situations: vec![],
            unit_slug: "fb".into(),
            unit_name: "Fachbereich Bürgerservice".into(),
        }
    }

    fn index() -> SearchIndex {
        SearchIndex::build(vec![
            service(
                "personalausweis",
                "Personalausweis beantragen",
                &["Perso", "Ausweis"],
                "Den Personalausweis beantragen Sie persönlich.",
            ),
            service("reisepass", "Reisepass beantragen", &["Pass"], "Für Reisen außerhalb der EU."),
            service("hundesteuer", "Hund anmelden (Hundesteuer)", &["Hundemarke"], "Wer einen Hund hält, zahlt Hundesteuer."),
            service("wohnsitz-anmelden", "Wohnsitz anmelden", &["Ummeldung", "Umzug melden"], "Nach einem Umzug melden Sie sich an."),
            service("grundsteuer", "Grundsteuer", &[], "Steuer auf Grundstücke."),
            service("strassenreinigung", "Straßenreinigung", &[], "Gebühren für die Reinigung."),
        ])
    }

    fn first(q: &str) -> String {
        index().search(q, 10).first().map(|s| s.slug.clone()).unwrap_or_default()
    }

    #[test]
    fn finds_what_citizens_type() {
        assert_eq!(first("Personalausweis"), "personalausweis");
        assert_eq!(first("perso"), "personalausweis");
        assert_eq!(first("Persnalausweis"), "personalausweis");
        assert_eq!(first("hundesteur"), "hundesteuer");
        assert_eq!(first("Hundemarke"), "hundesteuer");
        assert_eq!(first("HUNDE"), "hundesteuer");
        assert_eq!(first("strassenreinigung"), "strassenreinigung");
        assert_eq!(first("Straßenreinigung"), "strassenreinigung");
        assert_eq!(first("umzug"), "wohnsitz-anmelden");
        assert_eq!(first("pass"), "reisepass");
    }

    #[test]
    fn parts_of_compounds_find_the_compound() {
        let hits: Vec<String> = index().search("steuer", 10).iter().map(|s| s.slug.clone()).collect();
        assert!(hits.contains(&"hundesteuer".to_string()) && hits.contains(&"grundsteuer".to_string()), "{hits:?}");
    }

    #[test]
    fn nonsense_finds_nothing_and_odd_input_is_harmless() {
        assert!(index().search("xyzzy", 10).is_empty());
        assert!(index().search("", 10).is_empty());
        assert!(index().search("<script>alert(1)</script>", 10).is_empty());
        let _ = index().search("'; DROP TABLE services; --", 10);
        assert!(index().search(&"a".repeat(100_000), 10).is_empty());
        let _ = index().search("\u{0000}\u{0007}", 10);
    }

    #[test]
    fn umlaut_spellings_are_the_same_letter() {
        assert_eq!(fold("Ärger Öl Übung Straße"), fold("Aerger Oel Uebung Strasse"));
    }
}
