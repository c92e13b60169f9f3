//! Reading requests the way the real service does: JSON keys and query keys
//! match without regard to case (the official client sends `RPID`, `Origin`,
//! `AttestationObject`, `clientDataJson`), and a number is accepted where a
//! string is expected.
//!
//! Bodies are parsed to a `serde_json::Value`, every object key is
//! lowercased and every number becomes its text, and the result is read into
//! structs whose field names are the lowercased API names. Fields that are
//! numbers in the contract (`timeToLive`) read that text back with
//! [`lenient_i64`].

use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::problem::Problem;

/// Reads a JSON body into `T` after lowercasing its keys and turning its
/// numbers into strings.
pub fn json_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, Problem> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !content_type.to_ascii_lowercase().contains("json") {
        return Err(Problem::framework(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON, sent with Content-Type: application/json.",
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        Problem::framework(
            StatusCode::BAD_REQUEST,
            format!("The request body is not valid JSON: {error}."),
        )
    })?;
    serde_json::from_value(normalise(value)).map_err(|error| {
        Problem::framework(
            StatusCode::BAD_REQUEST,
            format!("The request body could not be read: {error}."),
        )
    })
}

/// Lowercases object keys and writes numbers as text, at every depth, so
/// `"aliases": [5550100]` reads like `["5550100"]`, as the real service's
/// number-to-string converter does.
fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key.to_ascii_lowercase(), normalise(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        Value::Number(number) => Value::String(number.to_string()),
        other => other,
    }
}

/// The value of a query parameter, the key matched without regard to case.
pub fn query_value(req: &HttpRequest, key: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, value)| value.into_owned())
}

/// A string that may arrive as a JSON number (`"userId": 123` means "123").
pub fn lenient_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(unexpected(&other, "text")),
    }
}

/// A boolean that may arrive as `"true"`/`"false"`.
pub fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(flag)),
        Some(Value::String(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not true or false"))),
        Some(other) => Err(unexpected(&other, "true or false")),
    }
}

/// A number that may arrive as a string (`"timeToLive": "30"`).
pub fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let text = match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) => text,
        Some(other) => return Err(unexpected(&other, "a whole number")),
    };
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a whole number")))
}

/// "expected text, found an array", in words rather than serde's type names.
fn unexpected<E: serde::de::Error>(value: &Value, expected: &str) -> E {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    E::custom(format!("expected {expected}, found {found}"))
}

/// A string's length as .NET counts it (UTF-16 code units), which is what the
/// real service's length limits measure: an emoji counts twice.
pub fn dotnet_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// A header's value as text, if present and readable.
pub fn header_text<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_lowercased_at_every_depth() {
        let value = normalise(json!({"RPID": "x", "Response": {"AttestationObject": "y"}}));
        assert_eq!(
            value,
            json!({"rpid": "x", "response": {"attestationobject": "y"}})
        );
    }

    #[test]
    fn numbers_become_text_at_every_depth() {
        let value = normalise(json!({"aliases": [5550100], "timeToLive": 30}));
        assert_eq!(value, json!({"aliases": ["5550100"], "timetolive": "30"}));
    }

    #[test]
    fn a_numeric_user_id_reads_as_its_text() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "lenient_string")]
            userid: Option<String>,
        }
        let body: Body = serde_json::from_value(json!({"userid": 123})).unwrap();
        assert_eq!(body.userid.as_deref(), Some("123"));
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_named_in_words() {
        #[derive(Debug, Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "lenient_string")]
            #[allow(dead_code)] // read only to see the error
            userid: Option<String>,
        }
        let error = serde_json::from_value::<Body>(json!({"userid": [1]})).unwrap_err();
        assert_eq!(error.to_string(), "expected text, found an array");
    }
}
