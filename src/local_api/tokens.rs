//! Self-contained, MAC'd tokens: `register_`, `session_` and `verify_`.
//!
//! A token is `<prefix><base64url(mac ‖ payload JSON)>`, where the MAC is
//! HMAC-SHA256 over the prefix and the payload with the app's token key. Like
//! the real service's tokens they are signed, not encrypted: anyone can read
//! the payload. Because a token carries everything, `/register/token` and
//! `/signin/verify` need no shared state and stay cheap under load.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::Sha256;
use uuid::Uuid;

use super::problem::{self, Problem};

type HmacSha256 = Hmac<Sha256>;

const MAC_LEN: usize = 32;

/// The three token families and their prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Register,
    Session,
    Verify,
}

impl TokenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::Register => "register_",
            TokenKind::Session => "session_",
            TokenKind::Verify => "verify_",
        }
    }
}

/// Signs and opens tokens with one app's key.
#[derive(Clone)]
pub struct TokenSigner {
    /// One keyed MAC per kind, with the prefix already absorbed, cloned per
    /// use: the prefix is signed too, so one kind never opens as another.
    macs: [HmacSha256; 3],
}

impl TokenSigner {
    pub fn new(key: [u8; 32]) -> Self {
        let keyed = |kind: TokenKind| {
            let mut mac =
                <HmacSha256 as Mac>::new_from_slice(&key).expect("HMAC accepts keys of any length");
            mac.update(kind.prefix().as_bytes());
            mac
        };
        TokenSigner {
            macs: [
                keyed(TokenKind::Register),
                keyed(TokenKind::Session),
                keyed(TokenKind::Verify),
            ],
        }
    }

    pub fn seal<T: Serialize>(&self, kind: TokenKind, payload: &T) -> String {
        // Serialising our own plain structs to JSON cannot fail.
        let payload = serde_json::to_vec(payload).unwrap_or_default();
        let mut body = self.mac(kind, &payload).to_vec();
        body.extend_from_slice(&payload);
        format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(body))
    }

    /// Checks prefix, encoding and MAC, then reads the payload; the errors are
    /// the contract's `missing_token`, `invalid_token` and `invalid_token_format`.
    pub fn open<T: DeserializeOwned>(
        &self,
        kind: TokenKind,
        token: Option<&str>,
    ) -> Result<T, Problem> {
        let prefix = kind.prefix();
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
            Problem::bad_request(
                "missing_token",
                format!(
                    "This operation requires a token that starts with '{prefix}' to be passed."
                ),
            )
        })?;
        let body = match token.get(..prefix.len()) {
            Some(head) if head.eq_ignore_ascii_case(prefix) => &token[prefix.len()..],
            _ => {
                let start: String = token.chars().take(10).collect();
                return Err(Problem::bad_request(
                    "invalid_token",
                    format!(
                        "The token you sent was not correct. The token used for this endpoint \
                         should start with '{prefix}'. Make sure you are not sending the wrong \
                         value. The value you sent started with '{start}'"
                    ),
                ));
            }
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(body.trim_end_matches('='))
            .map_err(|_| invalid_format())?;
        if bytes.len() <= MAC_LEN {
            return Err(invalid_format());
        }
        let (mac, payload) = bytes.split_at(MAC_LEN);
        let mut check = self.hmac(kind);
        check.update(payload);
        check.verify_slice(mac).map_err(|_| not_ours())?;
        serde_json::from_slice(payload).map_err(|_| invalid_format())
    }

    fn mac(&self, kind: TokenKind, payload: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = self.hmac(kind);
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }

    fn hmac(&self, kind: TokenKind) -> HmacSha256 {
        self.macs[kind as usize].clone()
    }
}

fn invalid_format() -> Problem {
    Problem::bad_request(
        "invalid_token_format",
        "The token you supplied was not formatted correctly. It should be valid base64url.",
    )
}

fn not_ours() -> Problem {
    Problem::bad_request(
        "invalid_token",
        "The token you supplied was not valid. It could be that the token has expired or that \
         it was not issued for this tenant.",
    )
}

/// Fails with 403 `expired_token` once `expires_at` has passed.
pub fn check_expiry(expires_at: DateTime<Utc>) -> Result<(), Problem> {
    let now = Utc::now();
    if expires_at < now {
        return Err(problem::expired_token(now - expires_at));
    }
    Ok(())
}

/// What `/register/token` signs: the registration the backend asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterToken {
    pub user_id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub attestation: String,
    pub authenticator_type: Option<String>,
    pub discoverable: bool,
    pub user_verification: String,
    pub expires_at: DateTime<Utc>,
    pub aliases: Option<Vec<String>>,
    pub alias_hashing: bool,
    pub hints: Vec<String>,
}

/// The decoded `verify_` token, returned by `/signin/verify` as it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyToken {
    pub user_id: String,
    #[serde(with = "utc_with_zone")]
    pub timestamp: DateTime<Utc>,
    pub rp_id: Option<String>,
    pub origin: Option<String>,
    pub success: bool,
    pub device: Option<String>,
    pub country: Option<String>,
    pub nickname: Option<String>,
    /// Standard base64 with padding, unlike the WebAuthn fields.
    pub credential_id: Option<String>,
    pub purpose: Option<String>,
    #[serde(with = "utc_with_zone")]
    pub expires_at: DateTime<Utc>,
    pub token_id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
}

/// The facts of a finished ceremony that go into a `verify_` token.
pub struct VerifiedCeremony {
    pub user_id: String,
    pub kind: &'static str,
    pub lifetime: chrono::Duration,
    pub rp_id: Option<String>,
    pub origin: Option<String>,
    pub device: Option<String>,
    pub country: Option<String>,
    pub nickname: Option<String>,
    pub credential_id: Option<Vec<u8>>,
    pub purpose: Option<String>,
}

impl VerifyToken {
    pub fn issue(ceremony: VerifiedCeremony) -> Self {
        let now = Utc::now();
        VerifyToken {
            user_id: ceremony.user_id,
            timestamp: now,
            rp_id: ceremony.rp_id,
            origin: ceremony.origin,
            success: true,
            device: ceremony.device,
            country: ceremony.country,
            nickname: ceremony.nickname,
            credential_id: ceremony.credential_id.map(|id| STANDARD.encode(id)),
            purpose: ceremony.purpose,
            expires_at: now + ceremony.lifetime,
            token_id: Uuid::new_v4(),
            kind: ceremony.kind.to_owned(),
        }
    }
}

/// .NET's round-trip format: seven fractional digits and a `Z`.
pub mod utc_with_zone {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(
        time: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = time.to_rfc3339_opts(SecondsFormat::Nanos, true);
        // Nanoseconds have nine digits; .NET writes ticks, which are seven.
        let (head, _) = text.split_at(text.len() - 3);
        serializer.serialize_str(&format!("{head}Z"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(D::Error::custom)
    }
}

/// Dates as the real service reads them back from its database: no zone.
pub fn format_stored_date(time: &DateTime<Utc>) -> String {
    // chrono writes nine fractional digits; .NET ticks are seven.
    let mut text = time.format("%Y-%m-%dT%H:%M:%S%.9f").to_string();
    text.truncate(text.len() - 2);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> TokenSigner {
        TokenSigner::new([7; 32])
    }

    #[test]
    fn a_sealed_token_opens_to_the_same_payload() {
        let token = signer().seal(TokenKind::Verify, &vec!["a".to_owned()]);
        assert!(token.starts_with("verify_"));
        let payload: Vec<String> = signer().open(TokenKind::Verify, Some(&token)).unwrap();
        assert_eq!(payload, vec!["a".to_owned()]);
    }

    #[test]
    fn a_token_of_another_kind_is_refused_even_with_its_prefix_swapped() {
        let token = signer().seal(TokenKind::Session, &1);
        let disguised = token.replacen("session_", "verify_", 1);
        let error = signer()
            .open::<i32>(TokenKind::Verify, Some(&disguised))
            .unwrap_err();
        assert_eq!(error.code(), Some("invalid_token"));
    }

    #[test]
    fn a_token_signed_with_another_key_is_invalid() {
        let token = TokenSigner::new([8; 32]).seal(TokenKind::Verify, &1);
        let error = signer()
            .open::<i32>(TokenKind::Verify, Some(&token))
            .unwrap_err();
        assert_eq!(error.code(), Some("invalid_token"));
    }

    #[test]
    fn a_body_that_is_not_base64url_has_an_invalid_format() {
        let error = signer()
            .open::<i32>(TokenKind::Verify, Some("verify_***"))
            .unwrap_err();
        assert_eq!(error.code(), Some("invalid_token_format"));
    }

    #[test]
    fn the_prefix_is_matched_without_regard_to_case() {
        let token = signer()
            .seal(TokenKind::Verify, &3)
            .replacen("verify_", "VERIFY_", 1);
        assert_eq!(
            signer()
                .open::<i32>(TokenKind::Verify, Some(&token))
                .unwrap(),
            3
        );
    }

    #[test]
    fn dates_are_written_with_seven_fractional_digits_and_a_zone() {
        let time = DateTime::parse_from_rfc3339("2025-01-01T12:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let json = serde_json::to_string(&Wrapper(time)).unwrap();
        assert_eq!(json, "\"2025-01-01T12:00:00.1234567Z\"");
    }

    #[test]
    fn stored_dates_have_seven_fractional_digits_and_no_zone() {
        let time = DateTime::parse_from_rfc3339("2023-04-21T13:33:50.076410312Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_stored_date(&time), "2023-04-21T13:33:50.0764103");
    }

    #[derive(Serialize)]
    struct Wrapper(#[serde(with = "utc_with_zone")] DateTime<Utc>);
}
