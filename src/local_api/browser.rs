//! The four endpoints the official browser client calls with the `ApiKey`:
//! `/register/begin`, `/register/complete`, `/signin/begin`, `/signin/complete`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;
use webauthn_rs_core::proto::{AuthenticationState, RegistrationState};

use super::auth;
use super::ceremony::{self, AssertionInput, AttestationInput, RegistrationOptions};
use super::problem::{KeyHeader, Problem};
use super::request::{dotnet_length, header_text, json_body, lenient_string};
use super::state::ApiState;
use super::store::{NewAlias, StoredCredential};
use super::tokens::{self, RegisterToken, TokenKind, VerifiedCeremony, VerifyToken};

/// How long a begun ceremony can be completed. The real service sets no
/// limit; autofill sign-in keeps a session open while the person types.
const SESSION_LIFETIME: Duration = Duration::minutes(30);

/// Lifetime of the `verify_` tokens both ceremonies return.
const VERIFY_LIFETIME: Duration = Duration::seconds(120);

/// The purposes with a built-in configuration; others fall back to sign-in.
const KNOWN_PURPOSES: [&str; 2] = ["sign-in", "step-up"];

const NICKNAME_MAX_CHARS: usize = 64;

/// What a `session_` token carries between begin and complete.
#[derive(Serialize, Deserialize)]
#[serde(tag = "ceremony", rename_all = "camelCase")]
enum Session {
    Register(RegisterSession),
    Signin(SigninSession),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterSession {
    rp_id: String,
    user_id: String,
    aliases: Option<Vec<String>>,
    alias_hashing: bool,
    expires_at: DateTime<Utc>,
    state: RegistrationState,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SigninSession {
    rp_id: String,
    purpose: String,
    /// base64url ids; empty means any credential of this app.
    allow: Vec<String>,
    expires_at: DateTime<Utc>,
    state: AuthenticationState,
}

fn open_session(state: &ApiState, token: Option<&str>) -> Result<Session, Problem> {
    let session: Session = state.signer.open(TokenKind::Session, token)?;
    let expires_at = match &session {
        Session::Register(s) => s.expires_at,
        Session::Signin(s) => s.expires_at,
    };
    if expires_at < Utc::now() {
        return Err(wrong_session());
    }
    Ok(session)
}

fn wrong_session() -> Problem {
    Problem::bad_request(
        "invalid_token",
        "The token you supplied was not valid. It could be that the token has expired or that \
         it was not issued for this tenant.",
    )
}

/// The `Origin` field: required, and it must be a URL.
fn require_origin(origin: Option<&str>) -> Result<(String, Url), Problem> {
    let origin = origin
        .filter(|o| !o.trim().is_empty())
        .ok_or_else(|| Problem::bad_request_uncoded("Origin is required."))?;
    let url = ceremony::parse_origin(origin).ok_or_else(|| {
        Problem::bad_request_uncoded("Origin must be an http(s) URL such as https://example.com.")
    })?;
    Ok((origin.to_owned(), url))
}

fn require_rp_id(rp_id: Option<&str>) -> Result<String, Problem> {
    rp_id
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Problem::bad_request_uncoded("RPID is required."))
}

#[derive(Deserialize)]
pub struct BeginRegistrationBody {
    token: Option<String>,
    rpid: Option<String>,
    origin: Option<String>,
}

pub async fn register_begin(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiKey)?;
    let body: BeginRegistrationBody = json_body(&req, &body)?;

    let token: RegisterToken = state
        .signer
        .open(TokenKind::Register, body.token.as_deref())?;
    tokens::check_expiry(token.expires_at)?;
    let (_, origin) = require_origin(body.origin.as_deref())?;
    if token.user_id.is_empty() {
        return Err(Problem::bad_request(
            "missing_userid",
            "The token does not contain a valid userId",
        ));
    }
    let invalid = |value: &str, name: &str| {
        Problem::bad_request(
            "invalid_argument",
            format!("Value '{value}' is not a valid value for {name}."),
        )
    };
    let user_verification = ceremony::parse_user_verification(&token.user_verification)
        .ok_or_else(|| invalid(&token.user_verification, "userVerification"))?;
    let attachment =
        ceremony::parse_attachment(token.authenticator_type.as_deref()).map_err(|()| {
            invalid(
                token.authenticator_type.as_deref().unwrap_or(""),
                "authenticatorType",
            )
        })?;
    let attestation = ceremony::parse_attestation(&token.attestation)
        .ok_or_else(|| invalid(&token.attestation, "attestation"))?;
    let rp_id = require_rp_id(body.rpid.as_deref())?;

    let exclude: Vec<Vec<u8>> = state
        .read()
        .credentials_of(&token.user_id)
        .map(|c| c.id().to_vec())
        .collect();
    let display_name = token
        .display_name
        .as_deref()
        .filter(|d| !d.is_empty())
        .unwrap_or(&token.username);
    let options = RegistrationOptions {
        user_id: &token.user_id,
        username: &token.username,
        display_name,
        attestation,
        attachment: ceremony::attachment_from_hints(&token.hints).or(attachment),
        discoverable: token.discoverable,
        user_verification,
        exclude,
        hints: &token.hints,
    };
    let core = state.parties.get(&rp_id, &origin);
    let (data, registration) = ceremony::start_registration(&core, &rp_id, &options)
        .map_err(|message| Problem::bad_request("invalid_argument", message))?;

    let session = Session::Register(RegisterSession {
        rp_id,
        user_id: token.user_id,
        aliases: token.aliases,
        alias_hashing: token.alias_hashing,
        expires_at: Utc::now() + SESSION_LIFETIME,
        state: registration,
    });
    let session = state.signer.seal(TokenKind::Session, &session);
    Ok(HttpResponse::Ok().json(json!({ "data": data, "session": session })))
}

#[derive(Deserialize)]
pub struct CompleteRegistrationBody {
    session: Option<String>,
    response: Option<AttestationInput>,
    nickname: Option<String>,
    origin: Option<String>,
}

pub async fn register_complete(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiKey)?;
    let body: CompleteRegistrationBody = json_body(&req, &body)?;

    let Session::Register(session) = open_session(&state, body.session.as_deref())? else {
        return Err(wrong_session());
    };
    let (origin_text, origin) = require_origin(body.origin.as_deref())?;
    let nickname = body.nickname.filter(|n| !n.is_empty());
    if nickname
        .as_ref()
        .is_some_and(|n| dotnet_length(n) > NICKNAME_MAX_CHARS)
    {
        return Err(Problem::invalid_field(
            "nickname",
            "Nickname cannot be longer than 64 characters.",
        ));
    }
    let fido2_error = |message: String| Problem::bad_request("fido2_invalid_registration", message);
    let response = body
        .response
        .ok_or_else(|| fido2_error("The request has no credential response.".to_owned()))?;

    let core = state.parties.get(&session.rp_id, &origin);
    let passkey =
        ceremony::finish_registration(&core, &response, &session.state).map_err(fido2_error)?;
    let credential_id = passkey.credential.cred_id.to_vec();
    let (device, country) = client_info(&req);
    let now = Utc::now();
    let stored = StoredCredential {
        user_id: session.user_id.clone(),
        credential: passkey.credential,
        public_key: passkey.public_key,
        attestation_fmt: passkey.attestation_fmt,
        aa_guid: passkey.aaguid,
        created_at: now,
        last_used_at: now,
        rp_id: session.rp_id.clone(),
        origin: origin_text.clone(),
        country: country.clone(),
        device: device.clone(),
        nickname: nickname.clone(),
        is_discoverable: passkey.is_discoverable,
    };
    let aliases: Vec<NewAlias> = session
        .aliases
        .iter()
        .flatten()
        .map(|alias| NewAlias {
            alias: alias.clone(),
            hashing: session.alias_hashing,
        })
        .collect();
    let outcome = state
        .change(|store| {
            if store.credential(&credential_id).is_some() {
                return Err(fido2_error(
                    "The credential id is already registered in this application.".to_owned(),
                ));
            }
            // An empty alias list in the token leaves the existing aliases alone.
            if !aliases.is_empty() && store.replace_aliases(&session.user_id, &aliases).is_err() {
                return Err(alias_conflict());
            }
            store.insert_credential(stored).map_err(|_| {
                fido2_error(
                    "The credential id is already registered in this application.".to_owned(),
                )
            })
        })
        .await?;
    outcome?;

    let token = VerifyToken::issue(VerifiedCeremony {
        user_id: session.user_id,
        kind: "passkey_register",
        lifetime: VERIFY_LIFETIME,
        rp_id: Some(session.rp_id),
        origin: Some(origin_text),
        device: Some(device),
        country: Some(country),
        nickname,
        credential_id: Some(credential_id),
        purpose: None,
    });
    Ok(token_response(&state, &token))
}

#[derive(Deserialize)]
pub struct BeginSigninBody {
    #[serde(default, deserialize_with = "lenient_string")]
    userid: Option<String>,
    alias: Option<String>,
    rpid: Option<String>,
    origin: Option<String>,
    purpose: Option<String>,
}

pub async fn signin_begin(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiKey)?;
    let body: BeginSigninBody = json_body(&req, &body)?;
    let (_, origin) = require_origin(body.origin.as_deref())?;
    let rp_id = require_rp_id(body.rpid.as_deref())?;

    // An unknown userId or alias is not an error: the list is just empty and
    // the browser offers its discoverable credentials instead.
    let allow: Vec<Vec<u8>> = {
        let store = state.read();
        let user_id = match (&body.userid, &body.alias) {
            (Some(user_id), _) if !user_id.is_empty() => Some(user_id.clone()),
            (_, Some(alias)) if !alias.is_empty() => store.alias_owner(alias).map(str::to_owned),
            _ => None,
        };
        user_id
            .map(|user_id| {
                store
                    .credentials_of(&user_id)
                    .map(|c| c.id().to_vec())
                    .collect()
            })
            .unwrap_or_default()
    };
    let purpose = body
        .purpose
        .filter(|p| KNOWN_PURPOSES.contains(&p.as_str()))
        .unwrap_or_else(|| "sign-in".to_owned());

    let core = state.parties.get(&rp_id, &origin);
    let (data, authentication) = ceremony::start_authentication(&core, &rp_id, &allow)
        .map_err(|message| Problem::bad_request("invalid_argument", message))?;
    let session = Session::Signin(SigninSession {
        rp_id,
        purpose,
        allow: allow.iter().map(|id| ceremony::encode_b64url(id)).collect(),
        expires_at: Utc::now() + SESSION_LIFETIME,
        state: authentication,
    });
    let session = state.signer.seal(TokenKind::Session, &session);
    Ok(HttpResponse::Ok().json(json!({ "data": data, "session": session })))
}

#[derive(Deserialize)]
pub struct CompleteSigninBody {
    session: Option<String>,
    response: Option<AssertionInput>,
    rpid: Option<String>,
    origin: Option<String>,
}

pub async fn signin_complete(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state.keys, KeyHeader::ApiKey)?;
    let body: CompleteSigninBody = json_body(&req, &body)?;
    let (origin_text, origin) = require_origin(body.origin.as_deref())?;
    let Session::Signin(session) = open_session(&state, body.session.as_deref())? else {
        return Err(wrong_session());
    };
    let signin_error = |message: String| Problem::bad_request("signin_complete_error", message);
    let input = body
        .response
        .ok_or_else(|| signin_error("The request has no credential response.".to_owned()))?;
    let assertion = ceremony::read_assertion(&input).map_err(signin_error)?;

    let unknown = || {
        let id = input
            .id
            .clone()
            .unwrap_or_else(|| ceremony::encode_b64url(assertion.raw_id()));
        Problem::bad_request(
            "unknown_credential",
            "We don't recognize the passkey you sent us.",
        )
        .with_member("credentialId", json!(id))
    };
    let stored = state
        .read()
        .credential(assertion.raw_id())
        .cloned()
        .ok_or_else(unknown)?;
    let raw_id_text = ceremony::encode_b64url(assertion.raw_id());
    if !session.allow.is_empty() && !session.allow.contains(&raw_id_text) {
        return Err(signin_error(
            "The credential was not in the list of allowed credentials.".to_owned(),
        ));
    }
    if assertion
        .user_handle()
        .is_some_and(|handle| handle != stored.user_id.as_bytes())
    {
        return Err(signin_error(
            "The user handle does not belong to the credential's user.".to_owned(),
        ));
    }

    let core = state.parties.get(&session.rp_id, &origin);
    let result =
        ceremony::finish_authentication(&core, &assertion, &session.state, &stored.credential)
            .map_err(signin_error)?;
    let (device, country) = client_info(&req);
    let counter = result.counter();
    let updated = state
        .change(|store| {
            // Checked again under the write lock: webauthn-rs compared the
            // counter with a copy read before the lock, so two copies of one
            // assertion sent at once could both pass that check.
            let stored_counter = store.credential(assertion.raw_id())?.credential.counter;
            if counter > 0 && counter <= stored_counter {
                return Some(Err(signin_error(
                    "The sign counter did not increase: the assertion was replayed or the \
                     passkey was cloned."
                        .to_owned(),
                )));
            }
            store.update_credential(assertion.raw_id(), |credential| {
                let record = &mut credential.credential;
                if counter > record.counter {
                    record.counter = counter;
                }
                record.backup_state = result.backup_state();
                record.backup_eligible = result.backup_eligible();
                credential.last_used_at = Utc::now();
                credential.device = device.clone();
                credential.country = country.clone();
            });
            Some(Ok(()))
        })
        .await?;
    updated.ok_or_else(unknown)??;

    let token = VerifyToken::issue(VerifiedCeremony {
        user_id: stored.user_id,
        kind: "passkey_signin",
        lifetime: VERIFY_LIFETIME,
        rp_id: Some(body.rpid.filter(|r| !r.is_empty()).unwrap_or(session.rp_id)),
        origin: Some(origin_text),
        device: Some(device),
        country: Some(country),
        nickname: stored.nickname,
        credential_id: Some(stored.credential.cred_id.to_vec()),
        purpose: Some(session.purpose),
    });
    Ok(token_response(&state, &token))
}

pub fn alias_conflict() -> Problem {
    Problem::api(
        actix_web::http::StatusCode::CONFLICT,
        Some("alias_conflict"),
        "Alias is already in use by another userid",
    )
}

pub fn token_response(state: &ApiState, token: &VerifyToken) -> HttpResponse {
    let token = state.signer.seal(TokenKind::Verify, token);
    HttpResponse::Ok().json(json!({ "token": token }))
}

/// `device` ("{browser}, {OS} {major}") and `country` (Cloudflare's header) of a request.
fn client_info(req: &HttpRequest) -> (String, String) {
    let agent = header_text(req, "User-Agent").unwrap_or("");
    let country = header_text(req, "CF-IPCountry").unwrap_or("").to_owned();
    (describe_device(agent), country)
}

fn describe_device(agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map_or("Other", |(_, name)| name);
    let major_after = |marker: &str| {
        agent.split(marker).nth(1).map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
    };
    let os = if agent.contains("Windows NT") {
        match major_after("Windows NT ").as_deref() {
            Some("10") => "Windows 10".to_owned(),
            Some(version) => format!("Windows {version}"),
            None => "Windows".to_owned(),
        }
    } else if let Some(version) = major_after("iPhone OS ") {
        format!("iOS {version}")
    } else if let Some(version) = major_after("Mac OS X ") {
        format!("Mac OS X {version}")
    } else if let Some(version) = major_after("Android ") {
        format!("Android {version}")
    } else if agent.contains("Linux") {
        "Linux".to_owned()
    } else {
        "Other".to_owned()
    };
    format!("{browser}, {}", os.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_by_browser_and_operating_system() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(describe_device(chrome_mac), "Chrome, Mac OS X 10");
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36";
        assert_eq!(describe_device(chrome_linux), "Chrome, Linux");
        assert_eq!(describe_device(""), "Other, Other");
    }
}
