//! Text-Überprüfung: proof that a person fills in a form. A challenge is stored in
//! the database (any instance can check it), expires after 10 minutes and is
//! single-use. It comes as a distorted image or, for people who cannot see it, as
//! a simple arithmetic question in words.

pub mod routes;

use sqlx::AnyPool;

use crate::{
    crypto::{random_below, sha256_hex},
    db::{DbResult, new_id},
};

/// A challenge lives this long.
pub const LIFETIME_MS: i64 = 10 * 60 * 1000;

/// Characters in the image: upper-case letters and digits that don't look alike.
const IMAGE_CHARS: &[char] =
    &['A', 'C', 'D', 'E', 'F', 'H', 'J', 'K', 'M', 'N', 'P', 'R', 'T', 'U', 'V', 'W', 'X', 'Y', '3', '4', '6', '7', '9'];
const NUMBERS: [&str; 11] = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn"];

/// How the challenge is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Question,
}

/// A challenge as the form shows it.
pub struct Challenge {
    pub id: String,
    pub kind: Kind,
    /// The question text (for `Kind::Question`); empty for images.
    pub prompt: String,
}

const INSERT: &str = "INSERT INTO captcha_challenges (id, kind, prompt, answer, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";

/// Creates and stores a new challenge.
pub async fn create(pool: &AnyPool, kind: Kind, now: i64) -> DbResult<Challenge> {
    let (kind_str, prompt, answer) = match kind {
        Kind::Image => {
            let answer: String = (0..5).map(|_| IMAGE_CHARS[random_below(IMAGE_CHARS.len() as u32) as usize]).collect();
            ("image", String::new(), answer)
        }
        Kind::Question => {
            let (a, b) = (random_below(10) + 1, random_below(10));
            let prompt = format!("Wie viel ist {} plus {}? Bitte antworten Sie mit Ziffern.", NUMBERS[a as usize], NUMBERS[b as usize]);
            ("question", prompt, (a + b).to_string())
        }
    };
    let id = new_id();
    sqlx::query(INSERT).bind(&id).bind(kind_str).bind(&prompt).bind(&answer).bind(now).bind(now + LIFETIME_MS).execute(pool).await?;
    Ok(Challenge { id, kind, prompt })
}

const FIND: &str = "SELECT kind, prompt FROM captcha_challenges WHERE id = $1 AND used_at IS NULL AND expires_at > $2";

/// A still usable challenge, to show it again (when the form comes back with errors).
pub async fn find_open(pool: &AnyPool, id: &str, now: i64) -> DbResult<Option<Challenge>> {
    let row: Option<(String, String)> = sqlx::query_as(FIND).bind(id).bind(now).fetch_optional(pool).await?;
    Ok(row.map(|(kind, prompt)| Challenge { id: id.to_string(), kind: if kind == "image" { Kind::Image } else { Kind::Question }, prompt }))
}

const KIND: &str = "SELECT kind FROM captcha_challenges WHERE id = $1";

/// The kind of a challenge, used or not (to keep the kind the citizen chose).
pub async fn kind_of(pool: &AnyPool, id: &str) -> DbResult<Option<Kind>> {
    let kind: Option<String> = sqlx::query_scalar(KIND).bind(id).fetch_optional(pool).await?;
    Ok(kind.map(|k| if k == "image" { Kind::Image } else { Kind::Question }))
}

const IMAGE_ANSWER: &str = "SELECT answer FROM captcha_challenges WHERE id = $1 AND kind = 'image' AND used_at IS NULL AND expires_at > $2";

/// The PNG for an open image challenge.
pub async fn image_png(pool: &AnyPool, id: &str, now: i64) -> DbResult<Option<Vec<u8>>> {
    let answer: Option<String> = sqlx::query_scalar(IMAGE_ANSWER).bind(id).bind(now).fetch_optional(pool).await?;
    Ok(answer.and_then(|a| render_png(&a)))
}

fn render_png(answer: &str) -> Option<Vec<u8>> {
    use captcha::filters::{Dots, Noise, Wave};
    let mut c = captcha::Captcha::new();
    for ch in answer.chars() {
        c.set_chars(&[ch]).add_char();
    }
    c.apply_filter(Noise::new(0.2))
        .apply_filter(Wave::new(2.0, 12.0).horizontal())
        .view(220, 90)
        .apply_filter(Dots::new(8))
        .set_color([0, 61, 122]);
    c.as_png()
}

/// The outcome of checking an answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    Wrong,
    /// Unknown, expired or already used.
    Unusable {
        /// The challenge was used by an earlier, correct submission for the same
        /// subject (a double-clicked submit).
        same_subject: bool,
    },
}

const LOAD: &str = "SELECT answer, expires_at, used_at, consumed_by FROM captcha_challenges WHERE id = $1";
const CONSUME: &str = "UPDATE captcha_challenges SET used_at = $1, consumed_by = $2 WHERE id = $3 AND used_at IS NULL";

/// Checks `answer` and uses the challenge up, right or wrong. `subject` (e.g. the
/// e-mail address) is remembered with a correct answer so that a repeated
/// submission of the same form can be recognised.
pub async fn verify(pool: &AnyPool, id: &str, answer: &str, subject: &str, test_answer: Option<&str>, now: i64) -> DbResult<Verdict> {
    let subject_hash = sha256_hex(subject);
    let row: Option<(String, i64, Option<i64>, Option<String>)> = sqlx::query_as(LOAD).bind(id).fetch_optional(pool).await?;
    let Some((expected, expires_at, used_at, consumed_by)) = row else {
        return Ok(Verdict::Unusable { same_subject: false });
    };
    if used_at.is_some() || expires_at <= now {
        return Ok(Verdict::Unusable { same_subject: consumed_by.as_deref() == Some(subject_hash.as_str()) });
    }
    let given = answer.trim().to_uppercase();
    let correct = given == expected.to_uppercase() || test_answer.is_some_and(|t| given == t.to_uppercase());
    let updated = sqlx::query(CONSUME).bind(now).bind(correct.then_some(subject_hash.as_str())).bind(id).execute(pool).await?;
    if updated.rows_affected() == 0 {
        // Another request used it a moment ago.
        let consumed_by: Option<Option<String>> =
            sqlx::query_scalar("SELECT consumed_by FROM captcha_challenges WHERE id = $1").bind(id).fetch_optional(pool).await?;
        return Ok(Verdict::Unusable { same_subject: consumed_by.flatten().as_deref() == Some(subject_hash.as_str()) });
    }
    Ok(if correct { Verdict::Correct } else { Verdict::Wrong })
}

const PURGE: &str = "DELETE FROM captcha_challenges WHERE expires_at <= $1";

/// Removes expired challenges (periodic job). Kept an hour longer than their
/// lifetime so a late double submit is still recognised.
pub async fn purge_expired(pool: &AnyPool, now: i64) -> DbResult<u64> {
    Ok(sqlx::query(PURGE).bind(now - 60 * 60 * 1000).execute(pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_a_png() {
        let png = super::render_png("AC349").expect("png");
        assert_eq!(&png[1..4], b"PNG");
    }
}
