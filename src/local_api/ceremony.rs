//! The WebAuthn ceremonies, verified by webauthn-rs' core.
//!
//! Passwordless takes the RP ID and origin from each request, uses the
//! UTF-8 bytes of the userId as the user handle and asks for user
//! verification "preferred", so this module drives `WebauthnCore` directly
//! and keeps the Passwordless rules (credential ids unique per app, the
//! allow-list, the user handle) itself.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationResult, AuthenticationState,
    AuthenticatorAssertionResponseRaw, AuthenticatorAttachment,
    AuthenticatorAttestationResponseRaw, COSEAlgorithm, CredProps, Credential, PublicKeyCredential,
    RegisterPublicKeyCredential, Registration, RegistrationExtensionsClientOutputs,
    RegistrationState, UserVerificationPolicy,
};

/// The browser-side timeout the real service sends, in milliseconds.
const TIMEOUT_MS: u32 = 60_000;

/// Relying parties built so far; more than this many distinct (RP ID, origin)
/// pairs means something is probing us, and the cache starts over.
const MAX_CACHED_PARTIES: usize = 256;

/// Algorithms offered in `pubKeyCredParams`, in the real service's order,
/// limited to those webauthn-rs 0.6 can verify (it has no EdDSA, P-521 or PSS).
const ALGORITHMS: [COSEAlgorithm; 3] = [
    COSEAlgorithm::ES256,
    COSEAlgorithm::RS256,
    COSEAlgorithm::ES384,
];

/// base64url as browsers send it; padding tolerated.
const B64URL_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    B64URL_ANY_PADDING.decode(text.trim()).ok()
}

pub fn encode_b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn encode_b64(bytes: &[u8]) -> String {
    general_purpose::STANDARD.encode(bytes)
}

/// One `WebauthnCore` per (RP ID, origin), built on first use.
#[derive(Default)]
pub struct RelyingParties {
    cache: RwLock<HashMap<(String, String), Arc<WebauthnCore>>>,
}

impl RelyingParties {
    pub fn get(&self, rp_id: &str, origin: &Url) -> Arc<WebauthnCore> {
        let key = (rp_id.to_owned(), origin.as_str().to_owned());
        if let Some(core) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Arc::clone(core);
        }
        // Only the clientData origin is checked against `origin`; the real
        // service does not tie the RP ID to the origin either (browsers do).
        let core = Arc::new(WebauthnCore::new_unsafe_experts_only(
            rp_id,
            rp_id,
            vec![origin.clone()],
            Duration::from_millis(TIMEOUT_MS.into()),
            Some(false),
            Some(false),
        ));
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED_PARTIES {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&core));
        core
    }
}

/// Parses the `Origin` field of a request into a URL.
pub fn parse_origin(origin: &str) -> Option<Url> {
    Url::parse(origin)
        .ok()
        .filter(|url| url.has_host() && url.scheme().starts_with("http"))
}

/// What the register token asked for, checked and typed.
pub struct RegistrationOptions<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub attestation: AttestationConveyancePreference,
    pub attachment: Option<AuthenticatorAttachment>,
    pub discoverable: bool,
    pub user_verification: UserVerificationPolicy,
    pub exclude: Vec<Vec<u8>>,
    pub hints: &'a [String],
}

/// Starts a registration: the `data` for `navigator.credentials.create()`
/// and the state to check the answer against.
pub fn start_registration(
    core: &WebauthnCore,
    rp_id: &str,
    options: &RegistrationOptions<'_>,
) -> Result<(Value, RegistrationState), String> {
    let builder = core
        .new_challenge_register_builder(
            options.user_id.as_bytes(),
            options.username,
            options.display_name,
        )
        .map_err(|e| e.to_string())?
        .attestation(options.attestation.clone())
        .user_verification_policy(options.user_verification)
        .exclude_credentials(Some(options.exclude.clone()))
        .credential_algorithms(ALGORITHMS.to_vec())
        .require_resident_key(options.discoverable)
        .authenticator_attachment(options.attachment);
    let (challenge, state) = core
        .generate_challenge_register(builder)
        .map_err(|e| e.to_string())?;
    let resident_key = if options.discoverable {
        "required"
    } else {
        "discouraged"
    };
    let mut selection = json!({
        "residentKey": resident_key,
        "requireResidentKey": options.discoverable,
        "userVerification": policy_name(options.user_verification),
    });
    if let Some(attachment) = options.attachment {
        selection["authenticatorAttachment"] = json!(attachment_name(attachment));
    }
    let data = json!({
        "rp": { "id": rp_id, "name": rp_id },
        "user": {
            "name": options.username,
            "id": encode_b64url(options.user_id.as_bytes()),
            "displayName": options.display_name,
        },
        "challenge": encode_b64url(&challenge.public_key.challenge),
        "pubKeyCredParams": ALGORITHMS
            .iter()
            .map(|alg| json!({ "type": "public-key", "alg": *alg as i64 }))
            .collect::<Vec<_>>(),
        "timeout": TIMEOUT_MS,
        "attestation": attestation_name(&options.attestation),
        "attestationFormats": [],
        "authenticatorSelection": selection,
        "hints": options.hints,
        "excludeCredentials": options
            .exclude
            .iter()
            .map(|id| json!({ "type": "public-key", "id": encode_b64url(id) }))
            .collect::<Vec<_>>(),
        "extensions": { "credProps": true },
    });
    Ok((data, state))
}

/// `response` of `/register/complete`, keys lowercased.
#[derive(Debug, Deserialize)]
pub struct AttestationInput {
    id: Option<String>,
    rawid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    response: Option<AttestationResponseInput>,
    clientextensionresults: Option<ExtensionsInput>,
    extensions: Option<ExtensionsInput>,
}

#[derive(Debug, Deserialize)]
struct AttestationResponseInput {
    attestationobject: Option<String>,
    clientdatajson: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExtensionsInput {
    credprops: Option<CredPropsInput>,
}

#[derive(Debug, Deserialize)]
struct CredPropsInput {
    rk: Option<bool>,
}

/// A verified new passkey and the facts the credential list reports.
pub struct NewPasskey {
    pub credential: Credential,
    pub public_key: Vec<u8>,
    pub aaguid: Uuid,
    pub attestation_fmt: String,
    pub is_discoverable: Option<bool>,
}

/// Checks an attestation (challenge, origin, RP ID hash, flags, format and
/// statement); the error is the message for `fido2_invalid_registration`.
pub fn finish_registration(
    core: &WebauthnCore,
    input: &AttestationInput,
    state: &RegistrationState,
) -> Result<NewPasskey, String> {
    let response = input
        .response
        .as_ref()
        .ok_or("The credential has no response.")?;
    let attestation_object = binary(&response.attestationobject, "attestationObject")?;
    let client_data_json = binary(&response.clientdatajson, "clientDataJSON")?;
    let raw_id = binary(&input.rawid, "rawId")?;
    let extensions = input
        .clientextensionresults
        .as_ref()
        .or(input.extensions.as_ref());
    let is_discoverable = extensions
        .and_then(|e| e.credprops.as_ref())
        .and_then(|p| p.rk);
    let credential = RegisterPublicKeyCredential {
        id: input.id.clone().unwrap_or_else(|| encode_b64url(&raw_id)),
        raw_id,
        response: AuthenticatorAttestationResponseRaw {
            attestation_object: attestation_object.clone(),
            client_data_json,
            // Passwordless never stores transports, and an unknown one must not fail.
            transports: None,
        },
        type_: input.kind.clone().unwrap_or_default(),
        extensions: RegistrationExtensionsClientOutputs {
            cred_props: Some(CredProps {
                rk: is_discoverable,
            }),
            ..Default::default()
        },
    };
    if credential.type_ != "public-key" {
        return Err("The credential type must be 'public-key'.".to_owned());
    }
    let verified = core
        .register_credential(&credential, state, None)
        .map_err(|e| e.to_string())?;
    let (aaguid, public_key, attestation_fmt) = read_attestation_object(&attestation_object)?;
    Ok(NewPasskey {
        credential: verified,
        public_key,
        aaguid,
        attestation_fmt,
        is_discoverable,
    })
}

/// The AAGUID, the COSE key bytes and the format, which webauthn-rs does not expose.
fn read_attestation_object(bytes: &[u8]) -> Result<(Uuid, Vec<u8>, String), String> {
    #[derive(Deserialize)]
    struct Object {
        fmt: String,
        #[serde(rename = "authData", with = "serde_bytes_vec")]
        auth_data: Vec<u8>,
    }
    let object: Object =
        serde_cbor_2::from_slice(bytes).map_err(|e| format!("attestationObject: {e}"))?;
    let auth_data = AuthenticatorData::<Registration>::try_from(object.auth_data.as_slice())
        .map_err(|e| e.to_string())?;
    let acd = auth_data
        .acd
        .ok_or("The authenticator data has no attested credential data.")?;
    let public_key = serde_cbor_2::to_vec(&acd.credential_pk).map_err(|e| e.to_string())?;
    Ok((Uuid::from_bytes(acd.aaguid), public_key, object.fmt))
}

/// CBOR byte strings into a `Vec<u8>`.
mod serde_bytes_vec {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let value = serde_cbor_2::Value::deserialize(deserializer)?;
        match value {
            serde_cbor_2::Value::Bytes(bytes) => Ok(bytes),
            _ => Err(serde::de::Error::custom("authData must be a byte string")),
        }
    }
}

/// Starts a sign-in: the `data` for `navigator.credentials.get()` and the state.
pub fn start_authentication(
    core: &WebauthnCore,
    rp_id: &str,
    allow: &[Vec<u8>],
) -> Result<(Value, AuthenticationState), String> {
    // The credentials themselves are looked up again at completion, so the
    // state carries none (and the session token stays small).
    let builder = core
        .new_challenge_authenticate_builder(Vec::new(), Some(UserVerificationPolicy::Preferred))
        .map_err(|e| e.to_string())?;
    let (challenge, state) = core
        .generate_challenge_authenticate(builder)
        .map_err(|e| e.to_string())?;
    let data = json!({
        "challenge": encode_b64url(&challenge.public_key.challenge),
        "timeout": TIMEOUT_MS,
        "rpId": rp_id,
        "allowCredentials": allow
            .iter()
            .map(|id| json!({ "type": "public-key", "id": encode_b64url(id) }))
            .collect::<Vec<_>>(),
        "userVerification": policy_name(UserVerificationPolicy::Preferred),
        "hints": [],
    });
    Ok((data, state))
}

/// `response` of `/signin/complete`, keys lowercased.
#[derive(Debug, Deserialize)]
pub struct AssertionInput {
    pub id: Option<String>,
    rawid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    response: Option<AssertionResponseInput>,
}

#[derive(Debug, Deserialize)]
struct AssertionResponseInput {
    authenticatordata: Option<String>,
    clientdatajson: Option<String>,
    signature: Option<String>,
    userhandle: Option<String>,
}

/// An assertion whose binary fields decoded.
pub struct Assertion {
    pub credential: PublicKeyCredential,
}

impl Assertion {
    pub fn raw_id(&self) -> &[u8] {
        &self.credential.raw_id
    }

    pub fn user_handle(&self) -> Option<&[u8]> {
        self.credential.response.user_handle.as_deref()
    }
}

/// Decodes the assertion; the error is the message for `signin_complete_error`.
pub fn read_assertion(input: &AssertionInput) -> Result<Assertion, String> {
    let response = input
        .response
        .as_ref()
        .ok_or("The credential has no response.")?;
    let raw_id = match (&input.rawid, &input.id) {
        (Some(_), _) => binary(&input.rawid, "rawId")?,
        (None, id) => binary(id, "id")?,
    };
    let user_handle = match response.userhandle.as_deref() {
        None | Some("") => None,
        Some(text) => Some(decode_b64url(text).ok_or("userHandle is not valid base64url.")?),
    };
    let credential = PublicKeyCredential {
        id: input.id.clone().unwrap_or_else(|| encode_b64url(&raw_id)),
        raw_id,
        response: AuthenticatorAssertionResponseRaw {
            authenticator_data: binary(&response.authenticatordata, "authenticatorData")?,
            client_data_json: binary(&response.clientdatajson, "clientDataJSON")?,
            signature: binary(&response.signature, "signature")?,
            user_handle,
        },
        extensions: Default::default(),
        type_: input.kind.clone().unwrap_or_default(),
    };
    if credential.type_ != "public-key" {
        return Err("The credential type must be 'public-key'.".to_owned());
    }
    Ok(Assertion { credential })
}

/// Checks an assertion (challenge, origin, RP ID hash, flags, signature,
/// counter) against the stored credential.
pub fn finish_authentication(
    core: &WebauthnCore,
    assertion: &Assertion,
    state: &AuthenticationState,
    stored: &Credential,
) -> Result<AuthenticationResult, String> {
    core.authenticate_single_credential(&assertion.credential, state, stored)
        .map_err(|e| e.to_string())
}

fn binary(field: &Option<String>, name: &str) -> Result<Vec<u8>, String> {
    let text = field
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("The credential is missing {name}."))?;
    decode_b64url(text).ok_or_else(|| format!("{name} is not valid base64url."))
}

pub fn parse_user_verification(value: &str) -> Option<UserVerificationPolicy> {
    match value.to_ascii_lowercase().as_str() {
        "preferred" => Some(UserVerificationPolicy::Preferred),
        "required" => Some(UserVerificationPolicy::Required),
        "discouraged" => Some(UserVerificationPolicy::Discouraged_DO_NOT_USE),
        _ => None,
    }
}

/// `authenticatorType`; "any" (or nothing) means no preference.
pub fn parse_attachment(value: Option<&str>) -> Result<Option<AuthenticatorAttachment>, ()> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("any") => Ok(None),
        Some("platform") => Ok(Some(AuthenticatorAttachment::Platform)),
        Some("cross-platform") | Some("crossplatform") => {
            Ok(Some(AuthenticatorAttachment::CrossPlatform))
        }
        Some(_) => Err(()),
    }
}

/// The first hint overrides the attachment, as in the real service.
pub fn attachment_from_hints(hints: &[String]) -> Option<AuthenticatorAttachment> {
    match hints.first().map(String::as_str) {
        Some("security-key") | Some("hybrid") => Some(AuthenticatorAttachment::CrossPlatform),
        Some("client-device") => Some(AuthenticatorAttachment::Platform),
        _ => None,
    }
}

pub fn parse_attestation(value: &str) -> Option<AttestationConveyancePreference> {
    if value.eq_ignore_ascii_case("none") {
        return Some(AttestationConveyancePreference::None);
    }
    match value {
        "indirect" => Some(AttestationConveyancePreference::Indirect),
        "direct" => Some(AttestationConveyancePreference::Direct),
        _ => None,
    }
}

fn policy_name(policy: UserVerificationPolicy) -> &'static str {
    match policy {
        UserVerificationPolicy::Required => "required",
        UserVerificationPolicy::Preferred => "preferred",
        UserVerificationPolicy::Discouraged_DO_NOT_USE => "discouraged",
    }
}

fn attachment_name(attachment: AuthenticatorAttachment) -> &'static str {
    match attachment {
        AuthenticatorAttachment::Platform => "platform",
        AuthenticatorAttachment::CrossPlatform => "cross-platform",
    }
}

fn attestation_name(attestation: &AttestationConveyancePreference) -> &'static str {
    match attestation {
        AttestationConveyancePreference::None => "none",
        AttestationConveyancePreference::Indirect => "indirect",
        AttestationConveyancePreference::Direct => "direct",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_is_read_with_or_without_padding() {
        assert_eq!(decode_b64url("YQ"), Some(b"a".to_vec()));
        assert_eq!(decode_b64url("YQ=="), Some(b"a".to_vec()));
    }

    #[test]
    fn an_unknown_user_verification_value_is_refused() {
        assert_eq!(parse_user_verification("optional"), None);
        assert_eq!(
            parse_user_verification("Required"),
            Some(UserVerificationPolicy::Required)
        );
    }

    #[test]
    fn only_lowercase_direct_and_indirect_are_accepted_besides_none() {
        assert!(parse_attestation("NONE").is_some());
        assert!(parse_attestation("Direct").is_none());
    }
}
