//! Domain values of the Bürgerkonto. Each is parsed once at the edge and can only
//! hold valid data; every rejection carries the German message shown at the field.

use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

/// A rejected input, phrased for the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

fn has_control_chars(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A login e-mail address, stored in lower case with an ASCII (punycode) domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid("Bitte geben Sie Ihre E-Mail-Adresse ein."));
        }
        if s.chars().count() > 254 {
            return Err(Invalid("Die E-Mail-Adresse ist zu lang (höchstens 254 Zeichen)."));
        }
        const FORMAT: Invalid = Invalid("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.");
        if has_control_chars(s) || s.contains(char::is_whitespace) {
            return Err(FORMAT);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(FORMAT)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(FORMAT);
        }
        if !local.is_ascii() {
            return Err(Invalid("Vor dem @ sind nur lateinische Buchstaben ohne Umlaute, Ziffern und die Zeichen . _ - + erlaubt."));
        }
        let local_ok = local.chars().all(|c| c.is_ascii_alphanumeric() || "._-+!#$%&'*/=?^`{|}~".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if !local_ok {
            return Err(FORMAT);
        }
        // Internationalised domains (müller.de) are accepted and stored as punycode,
        // which every mail server understands.
        let domain = idna::domain_to_ascii(domain).map_err(|_| FORMAT)?;
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
        if !domain_ok {
            return Err(FORMAT);
        }
        Ok(Email(format!("{}@{}", local.to_ascii_lowercase(), domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reconstructs an address read back from our own database.
    pub fn from_trusted(s: String) -> Self {
        Email(s)
    }
}

/// A given, middle or family name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    /// `missing` is the message for an empty required field.
    pub fn parse(raw: &str, missing: &'static str) -> Result<Self, Invalid> {
        let s: String = raw.trim().nfc().collect();
        if s.is_empty() {
            return Err(Invalid(missing));
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(Invalid("Der Name ist zu lang (höchstens 100 Zeichen)."));
        }
        let allowed = |c: char| c.is_alphabetic() || c == ' ' || "-'’.".contains(c) || is_combining_mark(c);
        if !s.chars().all(allowed) || !s.chars().any(char::is_alphabetic) {
            return Err(Invalid("Der Name darf nur Buchstaben, Leerzeichen, Bindestriche, Apostrophe und Punkte enthalten."));
        }
        Ok(PersonName(s.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    /// An optional name: empty input is `None`, anything else must be valid.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, Invalid> {
        if raw.trim().is_empty() { Ok(None) } else { Self::parse(raw, "").map(Some) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

/// A date of birth: a real calendar date, not in the future, not before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate(Date);

impl BirthDate {
    /// Parses `TT.MM.JJJJ` (single-digit day and month are fine).
    pub fn parse(raw: &str, today: Date) -> Result<Self, Invalid> {
        const FORMAT: Invalid = Invalid("Bitte geben Sie das Datum im Format TT.MM.JJJJ ein, z. B. 24.12.1980.");
        let s = raw.trim();
        let parts: Vec<&str> = s.split('.').collect();
        let [d, m, y] = parts.as_slice() else { return Err(FORMAT) };
        let digits = |p: &str, len: std::ops::RangeInclusive<usize>| len.contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit());
        if !digits(d, 1..=2) || !digits(m, 1..=2) || !digits(y, 4..=4) {
            return Err(FORMAT);
        }
        let (d, m, y): (u8, u8, i32) = (d.parse().map_err(|_| FORMAT)?, m.parse().map_err(|_| FORMAT)?, y.parse().map_err(|_| FORMAT)?);
        let month = Month::try_from(m).map_err(|_| Invalid("Dieses Datum gibt es nicht. Bitte prüfen Sie den Monat."))?;
        let date =
            Date::from_calendar_date(y, month, d).map_err(|_| Invalid("Dieses Datum gibt es nicht. Bitte prüfen Sie Tag und Monat."))?;
        if date > today {
            return Err(Invalid("Das Geburtsdatum darf nicht in der Zukunft liegen."));
        }
        if y < 1900 {
            return Err(Invalid("Bitte prüfen Sie das Jahr: Es liegt vor 1900."));
        }
        Ok(BirthDate(date))
    }

    /// An optional date: empty input is `None`.
    pub fn parse_optional(raw: &str, today: Date) -> Result<Option<Self>, Invalid> {
        if raw.trim().is_empty() { Ok(None) } else { Self::parse(raw, today).map(Some) }
    }

    /// ISO form for storage.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.0.year(), self.0.month() as u8, self.0.day())
    }
}

/// The security questions the seed offers; index 5 is "Eine eigene Frage festlegen.".
pub const SECURITY_QUESTIONS: [&str; 5] = [
    "Wie lautet der Zweitname Ihres Vaters?",
    "Wie lautet die Nummer Ihrer Bibliothekskarte?",
    "Wie lautet die Nummer Ihrer primären Vielfliegerkarte?",
    "Wie lautete Ihre erste Telefonnummer?",
    "Wie lautete der Name Ihres ersten Lehrers?",
];
/// The form value of the option that lets the citizen write their own question.
pub const OWN_QUESTION: &str = "eigene";

/// A chosen security question (one of the seed's or the citizen's own text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityQuestion(String);

impl SecurityQuestion {
    /// `choice` is the index of a predefined question or [`OWN_QUESTION`].
    pub fn parse(choice: &str, own_text: &str) -> Result<Self, (&'static str, Invalid)> {
        if choice == OWN_QUESTION {
            let text: String = own_text.trim().nfc().collect();
            if text.is_empty() {
                return Err(("eigene_frage", Invalid("Bitte schreiben Sie Ihre eigene Frage auf.")));
            }
            if text.chars().count() < 10 {
                return Err(("eigene_frage", Invalid("Die eigene Frage ist zu kurz (mindestens 10 Zeichen).")));
            }
            if text.chars().count() > 200 || has_control_chars(&text) {
                return Err(("eigene_frage", Invalid("Die eigene Frage ist zu lang (höchstens 200 Zeichen).")));
            }
            return Ok(SecurityQuestion(text));
        }
        match choice.parse::<usize>().ok().and_then(|i| SECURITY_QUESTIONS.get(i)) {
            Some(q) => Ok(SecurityQuestion((*q).to_string())),
            None => Err(("frage", Invalid("Bitte wählen Sie eine Frage aus."))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A security answer in its normalised form (trimmed, NFKC, case-folded, inner
/// whitespace collapsed), so that "  Müller " and "MÜLLER" are the same answer.
pub struct SecurityAnswer(String);

impl std::fmt::Debug for SecurityAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecurityAnswer(***)")
    }
}

impl SecurityAnswer {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let normalised: String = raw.nfkc().collect::<String>().to_lowercase();
        let normalised = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
        if normalised.is_empty() {
            return Err(Invalid("Bitte geben Sie eine Antwort ein."));
        }
        if normalised.chars().count() < 2 {
            return Err(Invalid("Die Antwort ist zu kurz (mindestens 2 Zeichen)."));
        }
        if normalised.chars().count() > 200 || has_control_chars(&normalised) {
            return Err(Invalid("Die Antwort ist zu lang (höchstens 200 Zeichen)."));
        }
        Ok(SecurityAnswer(normalised))
    }

    pub fn normalised(&self) -> &str {
        &self.0
    }
}

/// The passphrase our hints show as an example; refused as a password.
pub const EXAMPLE_PASSPHRASE: &str = "Ampel Regen Kaffeetasse Brücke";

/// A new password that satisfies the policy of DESIGN §6.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// What the policy checks the password against.
pub struct PasswordContext<'a> {
    pub email: &'a str,
    pub names: &'a [&'a str],
}

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str, ctx: &PasswordContext<'_>) -> Result<Self, Invalid> {
        let count = raw.chars().count();
        if count == 0 {
            return Err(Invalid("Bitte geben Sie ein neues Kennwort ein."));
        }
        if count < Self::MIN_CHARS {
            return Err(Invalid("Das Kennwort ist zu kurz: Es braucht mindestens 12 Zeichen."));
        }
        if count > Self::MAX_CHARS {
            return Err(Invalid("Das Kennwort ist zu lang: Es darf höchstens 128 Zeichen haben."));
        }
        let lower = raw.to_lowercase();
        let email = ctx.email.to_lowercase();
        let local = email.split('@').next().unwrap_or("");
        if lower.contains(&email) || (local.chars().count() >= 3 && lower.contains(local)) {
            return Err(Invalid("Das Kennwort enthält Ihre E-Mail-Adresse. Bitte wählen Sie ein anderes."));
        }
        for name in ctx.names {
            for part in name.split([' ', '-']) {
                let part = part.to_lowercase();
                if part.chars().count() >= 3 && lower.contains(&part) {
                    return Err(Invalid("Das Kennwort enthält Ihren Namen. Bitte wählen Sie ein anderes."));
                }
            }
        }
        let mut inputs: Vec<&str> = ctx.names.to_vec();
        // Nobody should use the example from our own hint.
        inputs.push(EXAMPLE_PASSPHRASE);
        inputs.push(ctx.email);
        inputs.push(local);
        let score = zxcvbn::zxcvbn(raw, &inputs).score();
        if (score as u8) < 3 {
            return Err(Invalid(
                "Das Kennwort ist zu leicht zu erraten. Tipp: mehrere zufällige Wörter aneinanderreihen, z. B. „Ampel Regen Kaffeetasse Brücke“.",
            ));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    #[test]
    fn email_is_lower_cased_and_trimmed() {
        assert_eq!(Email::parse("  Anna.Schmidt@Example.DE ").unwrap().as_str(), "anna.schmidt@example.de");
    }

    #[test]
    fn email_with_umlaut_domain_is_stored_as_punycode() {
        assert_eq!(Email::parse("post@müller.de").unwrap().as_str(), "post@xn--mller-kva.de");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.de",
            "anna@example",
            "an na@example.de",
            "anna@@example.de",
            "anna@example..de",
            "<script>@x.de",
            "a'; DROP TABLE accounts;--@x.de",
            "anna@exa mple.de",
            "jörg@example.de",
            ".anna@example.de",
            "anna@-example.de",
            "anna\u{0}@example.de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Email::parse(&format!("{}@example.de", "a".repeat(300))).is_err());
    }

    #[test]
    fn names_allow_real_names_and_reject_markup() {
        for good in ["Anna", "Hans-Jürgen", "O'Brien", "Zoë", "van der Berg", "Ştefan", "J. R."] {
            assert!(PersonName::parse(good, "x").is_ok(), "{good}");
        }
        for bad in ["<b>Anna</b>", "Robert'); DROP TABLE", "Anna\u{7}", "1234", "---"] {
            assert!(PersonName::parse(bad, "x").is_err(), "{bad}");
        }
        assert_eq!(PersonName::parse("", "fehlt").unwrap_err(), Invalid("fehlt"));
        assert!(PersonName::parse(&"a".repeat(101), "x").is_err());
        assert_eq!(PersonName::parse("  Anna   Lena ", "x").unwrap().as_str(), "Anna Lena");
    }

    #[test]
    fn birth_dates_must_be_real_past_dates_in_german_format() {
        assert_eq!(BirthDate::parse("24.12.1980", TODAY).unwrap().iso(), "1980-12-24");
        assert_eq!(BirthDate::parse("1.2.1980", TODAY).unwrap().iso(), "1980-02-01");
        assert!(BirthDate::parse("31.02.2000", TODAY).unwrap_err().0.contains("gibt es nicht"));
        assert!(BirthDate::parse("01.13.2000", TODAY).unwrap_err().0.contains("Monat"));
        assert!(BirthDate::parse("2000-01-01", TODAY).unwrap_err().0.contains("TT.MM.JJJJ"));
        assert!(BirthDate::parse("01/01/1970", TODAY).unwrap_err().0.contains("TT.MM.JJJJ"));
        assert!(BirthDate::parse("05.12.2026", TODAY).unwrap_err().0.contains("Zukunft"));
        assert!(BirthDate::parse("01.01.1850", TODAY).is_err());
        assert_eq!(BirthDate::parse_optional("  ", TODAY), Ok(None));
    }

    #[test]
    fn security_answers_are_normalised() {
        let a = SecurityAnswer::parse("  Müller   Lüdenscheidt ").unwrap();
        let b = SecurityAnswer::parse("MÜLLER LÜDENSCHEIDT").unwrap();
        assert_eq!(a.normalised(), b.normalised());
        // NFKC: a full-width digit equals the ASCII digit.
        assert_eq!(SecurityAnswer::parse("０１２３").unwrap().normalised(), "0123");
        assert!(SecurityAnswer::parse("   ").is_err());
    }

    #[test]
    fn security_question_choice() {
        assert_eq!(SecurityQuestion::parse("3", "").unwrap().as_str(), SECURITY_QUESTIONS[3]);
        assert_eq!(SecurityQuestion::parse("eigene", "Wie hieß mein erstes Fahrrad?").unwrap().as_str(), "Wie hieß mein erstes Fahrrad?");
        assert_eq!(SecurityQuestion::parse("eigene", "").unwrap_err().0, "eigene_frage");
        assert_eq!(SecurityQuestion::parse("99", "").unwrap_err().0, "frage");
        assert_eq!(SecurityQuestion::parse("", "").unwrap_err().0, "frage");
    }

    #[test]
    fn password_policy_gives_german_reasons() {
        let names = ["Anna", "Schmidt"];
        let ctx = PasswordContext { email: "anna.schmidt@example.de", names: &names };
        assert!(NewPassword::parse("kurz", &ctx).unwrap_err().0.contains("zu kurz"));
        assert!(NewPassword::parse(&"x".repeat(129), &ctx).unwrap_err().0.contains("zu lang"));
        assert!(NewPassword::parse("passwort1234", &ctx).unwrap_err().0.contains("zu leicht"));
        assert!(NewPassword::parse("Schmidt-Regen-Brücke-42", &ctx).unwrap_err().0.contains("Namen"));
        assert!(NewPassword::parse("anna.schmidt@example.de!", &ctx).unwrap_err().0.contains("E-Mail"));
        assert!(NewPassword::parse("Laterne Sommerwiese Fahrradklingel", &ctx).is_ok());
        assert!(NewPassword::parse(EXAMPLE_PASSPHRASE, &ctx).unwrap_err().0.contains("zu leicht"));
        // Any Unicode is fine.
        assert!(NewPassword::parse("Grüße aus Göttingen über Öhringen", &ctx).is_ok());
    }
}
