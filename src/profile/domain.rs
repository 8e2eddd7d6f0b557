//! Domain values of the Login-Daten: salutation, gender, address, phone.

use unicode_normalization::UnicodeNormalization;

use crate::{accounts::domain::Invalid, profile::countries};

/// Anrede. Without a choice nobody is greeted as Frau or Herr by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Salutation {
    Frau,
    Herr,
    #[default]
    None,
}

impl Salutation {
    /// The form values, in display order, with their labels.
    pub const OPTIONS: [(&'static str, &'static str); 3] = [("keine", "keine Angabe"), ("frau", "Frau"), ("herr", "Herr")];

    pub fn parse(form_value: &str) -> Result<Self, Invalid> {
        match form_value {
            "" | "keine" => Ok(Salutation::None),
            "frau" => Ok(Salutation::Frau),
            "herr" => Ok(Salutation::Herr),
            _ => Err(Invalid("Bitte wählen Sie eine Anrede aus der Liste.")),
        }
    }

    pub fn form_value(self) -> &'static str {
        match self {
            Salutation::Frau => "frau",
            Salutation::Herr => "herr",
            Salutation::None => "keine",
        }
    }

    pub fn db(self) -> &'static str {
        match self {
            Salutation::Frau => "ms",
            Salutation::Herr => "mr",
            Salutation::None => "none",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "ms" => Salutation::Frau,
            "mr" => Salutation::Herr,
            _ => Salutation::None,
        }
    }

    /// The opening of a letter or mail: "Sehr geehrte Frau Schmidt," or, without
    /// an Anrede, the neutral "Guten Tag Anna Schmidt,".
    pub fn greeting(self, given_name: &str, family_name: &str) -> String {
        match self {
            Salutation::Frau => format!("Sehr geehrte Frau {family_name},"),
            Salutation::Herr => format!("Sehr geehrter Herr {family_name},"),
            Salutation::None => format!("Guten Tag {given_name} {family_name},"),
        }
    }
}

/// Geschlecht.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gender {
    Female,
    Male,
    Diverse,
    #[default]
    Unspecified,
}

impl Gender {
    pub const OPTIONS: [(&'static str, &'static str); 4] =
        [("ohne", "ohne Angabe"), ("weiblich", "weiblich"), ("maennlich", "männlich"), ("divers", "divers")];

    pub fn parse(form_value: &str) -> Result<Self, Invalid> {
        match form_value {
            "" | "ohne" => Ok(Gender::Unspecified),
            "weiblich" => Ok(Gender::Female),
            "maennlich" => Ok(Gender::Male),
            "divers" => Ok(Gender::Diverse),
            _ => Err(Invalid("Bitte wählen Sie eine Angabe aus der Liste.")),
        }
    }

    pub fn form_value(self) -> &'static str {
        match self {
            Gender::Female => "weiblich",
            Gender::Male => "maennlich",
            Gender::Diverse => "divers",
            Gender::Unspecified => "ohne",
        }
    }

    pub fn db(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Diverse => "diverse",
            Gender::Unspecified => "unspecified",
        }
    }

    pub fn from_db(s: &str) -> Self {
        match s {
            "female" => Gender::Female,
            "male" => Gender::Male,
            "diverse" => Gender::Diverse,
            _ => Gender::Unspecified,
        }
    }
}

fn clean(raw: &str) -> String {
    let s: String = raw.trim().nfc().collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn free_text(raw: &str, missing: &'static str, max: usize, too_long: &'static str) -> Result<String, Invalid> {
    let s = clean(raw);
    if s.is_empty() {
        return Err(Invalid(missing));
    }
    if s.chars().count() > max {
        return Err(Invalid(too_long));
    }
    if s.chars().any(|c| c.is_control() || "<>{}[]\\;|".contains(c)) {
        return Err(Invalid("Bitte verwenden Sie nur Buchstaben, Ziffern, Leerzeichen und die Zeichen . , - / ' ( )."));
    }
    Ok(s)
}

/// A postal address with a known country; the PLZ has five digits in Germany.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

/// The address form's fields as typed.
pub struct AddressInput<'a> {
    pub street: &'a str,
    pub postal_code: &'a str,
    pub city: &'a str,
    pub country: &'a str,
}

impl PostalAddress {
    /// Parses all fields; errors come back per field id.
    pub fn parse(input: &AddressInput<'_>) -> Result<Self, Vec<(&'static str, Invalid)>> {
        let mut errors = Vec::new();
        let street =
            free_text(input.street, "Bitte geben Sie Straße und Hausnummer ein.", 100, "Die Straße ist zu lang (höchstens 100 Zeichen).")
                .map_err(|e| errors.push(("strasse", e)))
                .ok();
        let city = free_text(input.city, "Bitte geben Sie Ihre Stadt ein.", 100, "Der Ortsname ist zu lang (höchstens 100 Zeichen).")
            .map_err(|e| errors.push(("stadt", e)))
            .ok();
        let country = match countries::name_of(input.country.trim()) {
            Some(_) => Some(input.country.trim().to_string()),
            None => {
                errors.push(("land", Invalid("Bitte wählen Sie ein Land aus der Liste.")));
                None
            }
        };
        let postal_code = {
            let code = clean(input.postal_code);
            let in_germany = country.as_deref().unwrap_or(countries::GERMANY) == countries::GERMANY;
            if code.is_empty() {
                errors.push(("plz", Invalid("Bitte geben Sie die Postleitzahl ein.")));
                None
            } else if in_germany && !(code.len() == 5 && code.chars().all(|c| c.is_ascii_digit())) {
                errors.push(("plz", Invalid("Eine deutsche Postleitzahl hat genau fünf Ziffern, z. B. 33330.")));
                None
            } else if code.chars().count() > 12 || !code.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
                errors.push((
                    "plz",
                    Invalid(
                        "Die Postleitzahl darf nur Buchstaben, Ziffern, Leerzeichen und Bindestriche enthalten (höchstens 12 Zeichen).",
                    ),
                ));
                None
            } else {
                Some(code)
            }
        };
        match (street, postal_code, city, country) {
            (Some(street), Some(postal_code), Some(city), Some(country)) if errors.is_empty() => {
                Ok(PostalAddress { street, postal_code, city, country })
            }
            _ => Err(errors),
        }
    }
}

/// An optional telephone number: digits, spaces and + / - ( ).
pub fn parse_phone(raw: &str) -> Result<Option<String>, Invalid> {
    let s = clean(raw);
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > 30 {
        return Err(Invalid("Die Telefonnummer ist zu lang (höchstens 30 Zeichen)."));
    }
    if !s.chars().all(|c| c.is_ascii_digit() || " +/-()".contains(c)) || s.chars().filter(char::is_ascii_digit).count() < 3 {
        return Err(Invalid("Bitte geben Sie eine Telefonnummer aus Ziffern ein, z. B. 05241 82-0."));
    }
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(street: &str, plz: &str, city: &str, country: &str) -> Result<PostalAddress, Vec<&'static str>> {
        PostalAddress::parse(&AddressInput { street, postal_code: plz, city, country }).map_err(|e| e.into_iter().map(|(f, _)| f).collect())
    }

    #[test]
    fn german_postal_codes_have_five_digits_others_are_free() {
        assert!(address("Berliner Str. 70", "33330", "Gütersloh", "DE").is_ok());
        assert_eq!(address("Berliner Str. 70", "3333", "Gütersloh", "DE").unwrap_err(), ["plz"]);
        assert_eq!(address("Berliner Str. 70", "3333O", "Gütersloh", "DE").unwrap_err(), ["plz"]);
        assert!(address("Baker Street 221b", "NW1 6XE", "London", "GB").is_ok());
        assert!(address("Hauptplatz 1", "1010", "Wien", "AT").is_ok());
    }

    #[test]
    fn unknown_countries_and_markup_are_refused() {
        assert_eq!(address("A 1", "33330", "X", "united-states-minor-outlying-i").unwrap_err(), ["land"]);
        assert_eq!(address("<script>", "33330", "X", "DE").unwrap_err(), ["strasse"]);
        assert_eq!(address("", "", "", "DE").unwrap_err(), ["strasse", "stadt", "plz"]);
    }

    #[test]
    fn greetings_follow_the_salutation() {
        assert_eq!(Salutation::Frau.greeting("Anna", "Schmidt"), "Sehr geehrte Frau Schmidt,");
        assert_eq!(Salutation::Herr.greeting("Jan", "Meyer"), "Sehr geehrter Herr Meyer,");
        assert_eq!(Salutation::None.greeting("Anna", "Schmidt"), "Guten Tag Anna Schmidt,");
        assert_eq!(Salutation::default(), Salutation::None);
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(parse_phone(" 05241 82-0 ").unwrap().as_deref(), Some("05241 82-0"));
        assert_eq!(parse_phone("").unwrap(), None);
        assert!(parse_phone("Trommeln").is_err());
        assert!(parse_phone(&"1".repeat(31)).is_err());
    }
}
