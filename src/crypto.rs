//! Password hashing (Argon2id on a bounded blocking pool), random tokens and digests.

use std::sync::{Arc, OnceLock};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore, seq::IndexedRandom};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

fn argon2() -> Argon2<'static> {
    // DESIGN §6: Argon2id, 19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies secrets off the async runtime, at most one per core at a
/// time, so a burst of logins cannot starve request handling.
#[derive(Clone)]
pub struct SecretHasher {
    permits: Arc<Semaphore>,
}

impl Default for SecretHasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        SecretHasher { permits: Arc::new(Semaphore::new(cores)) }
    }
}

impl SecretHasher {
    /// Returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, secret: &str) -> anyhow::Result<String> {
        let secret = secret.to_owned();
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(move || {
            let salt = new_salt();
            argon2().hash_password(secret.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await?
    }

    /// Verifies `secret` against `phc`. With `None` a dummy hash is verified, so an
    /// unknown account costs the same time as a known one.
    pub async fn verify(&self, secret: &str, phc: Option<&str>) -> bool {
        let secret = secret.to_owned();
        let known = phc.is_some();
        let phc = phc.map(str::to_owned).unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc).map(|parsed| argon2().verify_password(secret.as_bytes(), &parsed).is_ok()).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        ok && known
    }
}

fn new_salt() -> SaltString {
    // ThreadRng is a CSPRNG seeded from the operating system.
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt")
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = new_salt();
        argon2().hash_password(b"no account has this password", &salt).expect("dummy hash").to_string()
    })
}

/// 32 random bytes, URL-safe base64: session tokens, CSRF cookies, link tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Characters that cannot be confused with each other when read from a mail
/// (no 0/O, 1/l/I, 5/S, 2/Z, 8/B).
const UNAMBIGUOUS: &[u8] = b"ACDEFGHJKLMNPQRTUVWXYabcdefghijkmnopqrstuvwxyz34679";

/// A random initial password of `len` characters from the unambiguous alphabet.
pub fn random_initial_password(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| *UNAMBIGUOUS.choose(&mut rng).expect("alphabet is not empty") as char).collect()
}

/// A random number in `range`, for captcha questions.
pub fn random_below(n: u32) -> u32 {
    rand::rng().random_range(0..n)
}

/// Hex SHA-256, for storing tokens we only need to recognise.
pub fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// URL-safe HMAC-SHA256 of `message` under `key`.
pub fn hmac_token(key: &[u8], message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Compares two strings in constant time.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify_round_trip() {
        let h = SecretHasher::default();
        let phc = h.hash("Ampel Regen Kaffeetasse").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify("Ampel Regen Kaffeetasse", Some(&phc)).await);
        assert!(!h.verify("ampel regen kaffeetasse", Some(&phc)).await);
        assert!(!h.verify("no account has this password", None).await);
    }

    #[test]
    fn initial_passwords_use_only_unambiguous_characters() {
        let p = random_initial_password(14);
        assert_eq!(p.chars().count(), 14);
        assert!(p.bytes().all(|b| UNAMBIGUOUS.contains(&b)));
        assert_ne!(random_initial_password(14), p);
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        assert_eq!(random_token().len(), 43);
        assert_ne!(random_token(), random_token());
    }
}
