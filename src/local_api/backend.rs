//! The endpoints a backend calls with its `ApiSecret`: tokens, aliases,
//! credentials and users.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::auth;
use super::browser::{alias_conflict, token_response};
use super::ceremony;
use super::problem::{KeyHeader, Problem};
use super::request::{
    dotnet_length, json_body, lenient_bool, lenient_i64, lenient_string, query_value,
};
use super::state::ApiState;
use super::store::{NewAlias, Store, StoredCredential};
use super::tokens::{
    self, RegisterToken, TokenKind, VerifiedCeremony, VerifyToken, format_stored_date,
};

const REGISTER_TOKEN_LIFETIME: Duration = Duration::seconds(120);
const MAX_ALIASES: usize = 10;
const MAX_ALIAS_CHARS: usize = 250;
const MAX_HINTS: usize = 3;
const KNOWN_HINTS: [&str; 3] = ["security-key", "client-device", "hybrid"];
const MAX_TIME_TO_LIVE_SECONDS: i64 = 604_800;
const DEFAULT_TIME_TO_LIVE_SECONDS: i64 = 120;

/// Collects ASP.NET-style validation messages per field.
#[derive(Default)]
struct Validation(BTreeMap<&'static str, Vec<String>>);

impl Validation {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_default().push(message.into());
    }

    fn require(&mut self, field: &'static str, label: &str, value: &Option<String>) {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            self.add(field, format!("The {label} field is required."));
        }
    }

    /// At most ten aliases of 1 to 250 characters (UTF-16 units) each.
    fn aliases(&mut self, aliases: &[String]) {
        if aliases.len() > MAX_ALIASES {
            self.add(
                "aliases",
                format!("The field Aliases must be a collection with a maximum count of '{MAX_ALIASES}'."),
            );
        }
        if aliases
            .iter()
            .any(|a| a.trim().is_empty() || dotnet_length(a) > MAX_ALIAS_CHARS)
        {
            self.add(
                "aliases",
                format!(
                    "The field Aliases must be a collection that contains strings with a \
                     maximum length of '{MAX_ALIAS_CHARS}'."
                ),
            );
        }
    }

    fn finish(self) -> Result<(), Problem> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.0))
        }
    }
}

/// A set: duplicates collapse, the first occurrence keeps its place.
fn distinct(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

/// A date with a zone, or without one (then read as UTC).
fn lenient_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Ok(date) = DateTime::parse_from_rfc3339(&text) {
        return Ok(Some(date.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| Some(naive.and_utc()))
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an ISO-8601 date")))
}

#[derive(Deserialize)]
pub struct RegisterTokenBody {
    #[serde(default, deserialize_with = "lenient_string")]
    userid: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    displayname: Option<String>,
    attestation: Option<String>,
    authenticatortype: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    discoverable: Option<bool>,
    userverification: Option<String>,
    #[serde(default, deserialize_with = "lenient_date")]
    expiresat: Option<DateTime<Utc>>,
    aliases: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient_bool")]
    aliashashing: Option<bool>,
    hints: Option<Vec<String>>,
}

pub async fn register_token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: RegisterTokenBody = json_body(&req, &body)?;

    let aliases = body.aliases.map(distinct);
    let hints = body.hints.unwrap_or_default();
    let mut validation = Validation::default();
    validation.require("userId", "UserId", &body.userid);
    validation.require("username", "Username", &body.username);
    if let Some(aliases) = &aliases {
        validation.aliases(aliases);
    }
    if hints.len() > MAX_HINTS {
        validation.add("hints", "The field Hints must have at most 3 entries.");
    }
    if let Some(hint) = hints.iter().find(|h| !KNOWN_HINTS.contains(&h.as_str())) {
        validation.add(
            "hints",
            format!("'{hint}' is not a hint; use security-key, client-device or hybrid."),
        );
    }
    validation.finish()?;
    let attestation = body.attestation.unwrap_or_else(|| "none".to_owned());
    if ceremony::parse_attestation(&attestation).is_none() {
        return Err(Problem::bad_request(
            "invalid_attestation",
            "Attestation type not supported",
        ));
    }

    let user_id = body.userid.unwrap_or_default();
    if let Some(aliases) = &aliases
        && state.read().conflicts(&user_id, aliases)
    {
        return Err(alias_conflict());
    }
    let token = RegisterToken {
        user_id,
        username: body.username.unwrap_or_default(),
        display_name: body.displayname,
        attestation,
        authenticator_type: body.authenticatortype,
        discoverable: body.discoverable.unwrap_or(true),
        user_verification: body
            .userverification
            .unwrap_or_else(|| "preferred".to_owned()),
        expires_at: body
            .expiresat
            .unwrap_or_else(|| Utc::now() + REGISTER_TOKEN_LIFETIME),
        aliases,
        alias_hashing: body.aliashashing.unwrap_or(true),
        hints,
    };
    let token = state.signer.seal(TokenKind::Register, &token);
    Ok(HttpResponse::Ok().json(json!({ "token": token })))
}

#[derive(Deserialize)]
pub struct TokenBody {
    token: Option<String>,
}

pub async fn signin_verify(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: TokenBody = json_body(&req, &body)?;
    let token: VerifyToken = state
        .signer
        .open(TokenKind::Verify, body.token.as_deref())?;
    // Not single use, like the real service: the backend must remember tokenIds.
    tokens::check_expiry(token.expires_at)?;
    Ok(HttpResponse::Ok().json(token))
}

#[derive(Deserialize)]
pub struct GenerateTokenBody {
    #[serde(default, deserialize_with = "lenient_string")]
    userid: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    timetolive: Option<i64>,
    purpose: Option<String>,
    rpid: Option<String>,
    origin: Option<String>,
}

pub async fn signin_generate_token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: GenerateTokenBody = json_body(&req, &body)?;
    let time_to_live = body.timetolive.unwrap_or(DEFAULT_TIME_TO_LIVE_SECONDS);
    let mut validation = Validation::default();
    validation.require("userId", "UserId", &body.userid);
    if !(1..=MAX_TIME_TO_LIVE_SECONDS).contains(&time_to_live) {
        validation.add(
            "timeToLive",
            format!("The field TimeToLive must be between 1 and {MAX_TIME_TO_LIVE_SECONDS}."),
        );
    }
    validation.finish()?;

    let token = VerifyToken::issue(VerifiedCeremony {
        user_id: body.userid.unwrap_or_default(),
        kind: "generated_signin",
        lifetime: Duration::seconds(time_to_live),
        rp_id: body.rpid,
        origin: body.origin,
        device: None,
        country: None,
        nickname: None,
        credential_id: None,
        purpose: Some(
            body.purpose
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "sign-in".to_owned()),
        ),
    });
    Ok(token_response(&state, &token))
}

#[derive(Deserialize)]
pub struct SetAliasBody {
    #[serde(default, deserialize_with = "lenient_string")]
    userid: Option<String>,
    aliases: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient_bool")]
    hashing: Option<bool>,
}

pub async fn alias_set(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: SetAliasBody = json_body(&req, &body)?;
    let mut validation = Validation::default();
    validation.require("userId", "UserId", &body.userid);
    let aliases = body.aliases.map(distinct);
    match &aliases {
        Some(aliases) => validation.aliases(aliases),
        None => validation.add("aliases", "The Aliases field is required."),
    }
    validation.finish()?;

    let user_id = body.userid.unwrap_or_default();
    let hashing = body.hashing.unwrap_or(true);
    let aliases: Vec<NewAlias> = aliases
        .unwrap_or_default()
        .into_iter()
        .map(|alias| NewAlias { alias, hashing })
        .collect();
    state
        .change(|store| store.replace_aliases(&user_id, &aliases))
        .await?
        .map_err(|_| alias_conflict())?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn alias_list(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let user_id = query_value(&req, "userId").unwrap_or_default();
    if user_id.is_empty() {
        return Err(Problem::bad_request_uncoded("UserId is empty"));
    }
    let store = state.read();
    let values: Vec<Value> = store
        .aliases_of(&user_id)
        .into_iter()
        .map(|row| {
            json!({
                "userId": row.user_id,
                "alias": row.hash,
                "plaintext": row.plaintext,
                "tenant": store.keys().app_id,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "values": values })))
}

pub async fn credentials_list_get(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let user_id = query_value(&req, "userId").ok_or_else(|| {
        Problem::framework(
            StatusCode::BAD_REQUEST,
            "Required parameter \"string UserId\" was not provided from query string.",
        )
    })?;
    credentials_of(&state, &user_id)
}

#[derive(Deserialize)]
pub struct UserIdBody {
    #[serde(default, deserialize_with = "lenient_string")]
    userid: Option<String>,
}

pub async fn credentials_list_post(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: UserIdBody = json_body(&req, &body)?;
    let user_id = body
        .userid
        .ok_or_else(|| Problem::invalid_field("userId", "The UserId field is required."))?;
    credentials_of(&state, &user_id)
}

fn credentials_of(state: &ApiState, user_id: &str) -> Result<HttpResponse, Problem> {
    if user_id.is_empty() {
        return Err(Problem::bad_request(
            "missing_userid",
            "userId must not be null or empty",
        ));
    }
    let store = state.read();
    let values: Vec<Value> = store
        .credentials_of(user_id)
        .map(describe_credential)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "values": values })))
}

/// A credential in the real service's list shape.
fn describe_credential(stored: &StoredCredential) -> Value {
    let record = &stored.credential;
    json!({
        "descriptor": { "type": "public-key", "id": ceremony::encode_b64url(stored.id()) },
        "publicKey": ceremony::encode_b64(&stored.public_key),
        "userHandle": ceremony::encode_b64(stored.user_id.as_bytes()),
        "signatureCounter": record.counter,
        "attestationFmt": stored.attestation_fmt,
        "createdAt": format_stored_date(&stored.created_at),
        "aaGuid": stored.aa_guid,
        "lastUsedAt": format_stored_date(&stored.last_used_at),
        "rpid": stored.rp_id,
        "origin": stored.origin,
        "country": stored.country,
        "device": stored.device,
        "nickname": stored.nickname,
        "userId": stored.user_id,
        "backupState": record.backup_state,
        "isBackupEligible": record.backup_eligible,
        "isDiscoverable": stored.is_discoverable,
    })
}

#[derive(Deserialize)]
pub struct DeleteCredentialBody {
    credentialid: Option<String>,
}

pub async fn credentials_delete(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: DeleteCredentialBody = json_body(&req, &body)?;
    let id = body
        .credentialid
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Problem::bad_request_uncoded("credentialId must not be null or empty"))?;
    let id = ceremony::decode_b64url(&id)
        .ok_or_else(|| Problem::bad_request_uncoded("credentialId must be base64url."))?;
    // An unknown id is a 204 too (the real service fails with a 500 there).
    state.change(|store| store.delete_credential(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn users_list(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let store = state.read();
    let values: Vec<Value> = store
        .user_ids()
        .into_iter()
        .map(|user_id| describe_user(&store, user_id))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "values": values })))
}

fn describe_user(store: &Store, user_id: &str) -> Value {
    let aliases: Vec<Option<&str>> = store
        .aliases_of(user_id)
        .into_iter()
        .map(|row| row.plaintext.as_deref())
        .collect();
    let credentials: Vec<&StoredCredential> = store.credentials_of(user_id).collect();
    let last_used = credentials
        .iter()
        .map(|c| c.last_used_at)
        .max()
        .map(|at| format_stored_date(&at));
    json!({
        "userId": user_id,
        "aliasCount": aliases.len(),
        "aliases": aliases,
        "credentialsCount": credentials.len(),
        "lastUsedAt": last_used,
    })
}

pub async fn users_count(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let count = state.read().user_count();
    Ok(HttpResponse::Ok().json(json!({ "count": count })))
}

pub async fn users_delete(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiSecret)?;
    let body: UserIdBody = json_body(&req, &body)?;
    let user_id = body
        .userid
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Problem::invalid_field("userId", "The UserId field is required."))?;
    state.change(|store| store.delete_user(&user_id)).await?;
    // The real service answers 200 with an empty body here, not 204.
    Ok(HttpResponse::Ok().finish())
}
