//! The application's key pair, in the shapes the real service issues:
//! `<appId>:public:<32 hex>` and `<appId>:secret:<32 hex>`.

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};

/// The app id used when the local API makes its own keys.
pub const DEFAULT_APP_ID: &str = "local";

/// Which half of the pair a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Public,
    Secret,
}

impl KeyKind {
    fn marker(self) -> &'static str {
        match self {
            KeyKind::Public => "public",
            KeyKind::Secret => "secret",
        }
    }
}

/// Why a key does not have the expected shape.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyShapeError {
    #[error("it must look like `<appId>:{0}:<32 hex digits>`")]
    Malformed(&'static str),
    #[error("the app id must be letters and digits and start with a letter")]
    BadAppId,
}

/// Checks `key` is `<appId>:<kind>:<32 hex>` and returns the app id.
pub fn parse_key(key: &str, kind: KeyKind) -> Result<&str, KeyShapeError> {
    let malformed = KeyShapeError::Malformed(kind.marker());
    let mut parts = key.split(':');
    let (Some(app_id), Some(marker), Some(hex), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed);
    };
    if marker != kind.marker() || hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed);
    }
    if !is_valid_app_id(app_id) {
        return Err(KeyShapeError::BadAppId);
    }
    Ok(app_id)
}

/// Alphanumeric and starting with a letter, as the real service requires.
pub fn is_valid_app_id(app_id: &str) -> bool {
    app_id.starts_with(|c: char| c.is_ascii_alphabetic())
        && app_id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The keys of the one application the local API serves, plus the key that
/// signs its tokens. Serialised into the state file.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppKeys {
    pub app_id: String,
    pub public_key: String,
    pub secret: String,
    /// HMAC-SHA256 key for `register_`, `session_` and `verify_` tokens.
    #[serde(with = "base64_bytes")]
    pub token_key: [u8; 32],
}

impl AppKeys {
    /// A fresh random pair for app `local`.
    pub fn generate() -> Self {
        let app_id = DEFAULT_APP_ID;
        AppKeys {
            app_id: app_id.to_owned(),
            public_key: format!("{app_id}:public:{}", random_hex()),
            secret: format!("{app_id}:secret:{}", random_hex()),
            token_key: random_bytes(),
        }
    }

    /// Keys given by the operator; the token key stays whatever it was.
    pub fn with_given_pair(mut self, public_key: &str, secret: &str) -> Self {
        // The shapes were validated with the settings, so the app id is there.
        self.app_id = public_key
            .split(':')
            .next()
            .unwrap_or(DEFAULT_APP_ID)
            .to_owned();
        self.public_key = public_key.to_owned();
        self.secret = secret.to_owned();
        self
    }
}

impl fmt::Debug for AppKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppKeys")
            .field("app_id", &self.app_id)
            .field("public_key", &self.public_key)
            .field("secret", &"<redacted>")
            .field("token_key", &"<redacted>")
            .finish()
    }
}

fn random_hex() -> String {
    let bytes: [u8; 16] = random_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = STANDARD.decode(text).map_err(D::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| D::Error::custom("the token key must be 32 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_contract_shapes() {
        let keys = AppKeys::generate();
        assert_eq!(parse_key(&keys.public_key, KeyKind::Public), Ok("local"));
        assert_eq!(parse_key(&keys.secret, KeyKind::Secret), Ok("local"));
    }

    #[test]
    fn a_secret_is_not_accepted_where_a_public_key_is_expected() {
        let secret = "test:secret:a679563b331846c79c20b114a4f56d02";
        assert!(parse_key(secret, KeyKind::Public).is_err());
    }

    #[test]
    fn app_ids_must_start_with_a_letter() {
        let key = "1app:public:2e728aa5986f4ba8b073a5b28a939795";
        assert_eq!(
            parse_key(key, KeyKind::Public),
            Err(KeyShapeError::BadAppId)
        );
    }
}
