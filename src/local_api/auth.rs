//! The `ApiKey` (browser) and `ApiSecret` (backend) header checks, with the
//! real service's 401 hints so a developer sees what they mixed up.

use actix_web::HttpRequest;

use super::keys::{AppKeys, is_valid_app_id};
use super::problem::{KeyHeader, Problem};
use super::request::header_text;

/// Lets the request through when `header` carries this app's key.
pub fn require(req: &HttpRequest, keys: &AppKeys, header: KeyHeader) -> Result<(), Problem> {
    let (expected, other) = match header {
        KeyHeader::ApiKey => (&keys.public_key, KeyHeader::ApiSecret),
        KeyHeader::ApiSecret => (&keys.secret, KeyHeader::ApiKey),
    };
    let name = header.name();
    let Some(value) = header_text(req, name).filter(|v| !v.is_empty()) else {
        let detail = if header_text(req, other.name()).is_some() {
            format!(
                "A '{}' header was supplied when a '{name}' header should have been supplied.",
                other.name()
            )
        } else {
            format!("A valid '{name}' header is required.")
        };
        return Err(Problem::unauthorized(header, detail));
    };
    if constant_time_eq(value.as_bytes(), expected.as_bytes()) {
        return Ok(());
    }
    Err(Problem::unauthorized(header, hint(value, header)))
}

/// Why `value` is not the right key, in the real service's words.
fn hint(value: &str, header: KeyHeader) -> String {
    let name = header.name();
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("verify_") {
        return format!("A verify token was supplied instead of your '{name}'.");
    }
    if lower.starts_with("register_") {
        return format!("A register token was supplied instead of your '{name}'.");
    }
    match header {
        KeyHeader::ApiKey if value.contains(":secret:") => {
            return format!("Your ApiKey header contained a ApiSecret instead of your '{name}'.");
        }
        KeyHeader::ApiSecret if value.contains(":public:") => {
            return format!(
                "Your ApiSecret header contained a public ApiKey instead of your '{name}'."
            );
        }
        _ => {}
    }
    let app_id = value.split(':').next().unwrap_or("");
    if !value.contains(':') || !is_valid_app_id(app_id) {
        return format!("The value of your '{name}' is not valid.");
    }
    let start: String = value.chars().take(10).collect();
    format!(
        "We don't recognize the value you supplied for your '{name}'. It started with: '{start}'."
    )
}

/// Compares keys without leaking the position of the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_in_the_api_key_header_is_named_as_such() {
        let hint = hint("local:secret:0123", KeyHeader::ApiKey);
        assert_eq!(
            hint,
            "Your ApiKey header contained a ApiSecret instead of your 'ApiKey'."
        );
    }

    #[test]
    fn an_unknown_key_quotes_its_first_ten_characters() {
        let hint = hint("other:public:0123456789", KeyHeader::ApiKey);
        assert!(hint.ends_with("It started with: 'other:publ'."));
    }
}
