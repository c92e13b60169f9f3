//! Request and response bodies, with the API's casing. Output from the API
//! is camelCase, except where .NET lowercased a leading acronym (`rpid` on
//! stored credentials); both spellings are read where either can appear.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A timestamp as the API writes it: with a `Z` for token dates
/// (`2025-01-01T12:00:00.1234567Z`) and without a zone for dates read back
/// from its database (`2023-04-21T13:33:50.0764103`), which are UTC too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiDateTime(pub DateTime<Utc>);

impl ApiDateTime {
    pub fn parse(value: &str) -> Option<Self> {
        // Both forms the API writes go through chrono's ISO 8601 reader
        // (`FromStr`), which needs no format string parsed at run time; any
        // other offset falls back to RFC 3339.
        let naive = value.strip_suffix('Z').unwrap_or(value);
        if let Ok(naive) = naive.parse::<NaiveDateTime>() {
            return Some(Self(naive.and_utc()));
        }
        DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|with_offset| Self(with_offset.with_timezone(&Utc)))
    }
}

impl<'de> Deserialize<'de> for ApiDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&str>::deserialize(deserializer)?;
        Self::parse(raw)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {raw:?}")))
    }
}

/// `POST /register/token`. Only the fields this app sets; the API fills in
/// the rest with its defaults (attestation none, UV preferred).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterTokenRequest<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    /// Discoverable credentials let people sign in without typing a name.
    pub discoverable: bool,
    /// Set on sign-up only: the aliases in a token replace the user's whole
    /// alias set, so adding a passkey leaves them out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<[&'a str; 1]>,
    /// `false` keeps the plaintext so the account page can show the username.
    pub alias_hashing: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub token: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TokenRequest<'a> {
    pub token: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialIdRequest<'a> {
    pub credential_id: &'a str,
}

/// `{"values": [...]}`, the wrapper of every list the API returns.
#[derive(Debug, Deserialize)]
pub(crate) struct ListResponse<T> {
    pub values: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CountResponse {
    #[allow(dead_code)] // read only to prove the body is the expected shape
    pub count: u64,
}

/// The decoded `verify_` token from `POST /signin/verify`. Failures come
/// back as problem bodies, so `success` is always true here; it is still
/// checked, because a template must not teach trusting a flag it skipped.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedToken {
    pub success: bool,
    pub user_id: String,
    pub timestamp: Option<ApiDateTime>,
    /// Sent as `rpId` by the server; the docs and one SDK say `rpid`.
    #[serde(alias = "rpid")]
    pub rp_id: Option<String>,
    pub origin: Option<String>,
    pub device: Option<String>,
    pub country: Option<String>,
    pub nickname: Option<String>,
    /// Standard base64 (with `+`, `/` and padding), unlike descriptor ids.
    pub credential_id: Option<String>,
    pub purpose: Option<String>,
    pub expires_at: ApiDateTime,
    pub token_id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One stored passkey from `/credentials/list`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    pub descriptor: CredentialDescriptor,
    pub user_id: String,
    #[serde(default)]
    pub signature_counter: u32,
    pub attestation_fmt: Option<String>,
    pub created_at: Option<ApiDateTime>,
    pub last_used_at: Option<ApiDateTime>,
    pub aa_guid: Option<String>,
    #[serde(alias = "rpId")]
    pub rpid: Option<String>,
    pub origin: Option<String>,
    pub country: Option<String>,
    pub device: Option<String>,
    pub nickname: Option<String>,
    pub backup_state: Option<bool>,
    pub is_backup_eligible: Option<bool>,
    pub is_discoverable: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CredentialDescriptor {
    /// base64url without padding.
    pub id: String,
}

/// One alias from `/alias/list`; `plaintext` is null when stored hashed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub user_id: String,
    pub plaintext: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_with_and_without_a_zone_are_both_utc() {
        let zoned = ApiDateTime::parse("2021-08-01T01:33:36.9773187Z").unwrap();
        let naive = ApiDateTime::parse("2021-08-01T01:33:36.9773187").unwrap();
        assert_eq!(zoned, naive);
        let offset = ApiDateTime::parse("2021-08-01T03:33:36.9773187+02:00").unwrap();
        assert_eq!(offset, zoned);
        assert!(ApiDateTime::parse("yesterday").is_none());
        assert!(ApiDateTime::parse("2021-08-01T01:33:36ZZ").is_none());
    }

    #[test]
    fn verify_response_reads_rp_id_in_either_casing() {
        for key in ["rpId", "rpid"] {
            let body = format!(
                r#"{{"success":true,"userId":"u","{key}":"example.com","expiresAt":"2030-01-01T00:00:00Z","tokenId":"t","type":"passkey_signin"}}"#
            );
            let token: VerifiedToken = serde_json::from_str(&body).unwrap();
            assert_eq!(token.rp_id.as_deref(), Some("example.com"), "{key}");
        }
    }

    #[test]
    fn register_token_request_uses_the_api_casing() {
        let body = serde_json::to_value(RegisterTokenRequest {
            user_id: "u1",
            username: "alice",
            display_name: "alice",
            discoverable: true,
            aliases: Some(["alice"]),
            alias_hashing: false,
        })
        .unwrap();
        assert_eq!(body["userId"], "u1");
        assert_eq!(body["displayName"], "alice");
        assert_eq!(body["aliases"][0], "alice");
        assert_eq!(body["aliasHashing"], false);
    }
}
