//! Mints valid, never-used `passkey_signin` tokens for the benchmark, through
//! real WebAuthn ceremonies: a software authenticator (the `passkey` crate)
//! registers a few users at a Passwordless API and then signs them in over
//! and over, exactly as the official browser client would, with the app's
//! origin and RP ID. Started by `scripts/bench.sh`:
//!
//! ```text
//! cargo run --release --features bench --bin bench-mint-tokens -- <api url> <api key> <api secret> \
//!     <origin> <rp id> <users> <tokens> <seconds> <tokens file> <facts file>
//! ```
//!
//! It mints up to `<tokens>` sign-in tokens, or as many as it can in
//! `<seconds>`. The tokens file gets one `verify_` token per line, oldest first. The facts
//! file gets shell assignments: `BENCH_USER_ID` (the first user),
//! `BENCH_ACCOUNT_TOKEN` (a spare sign-in token of that user, to open a
//! session with) and `BENCH_SAMPLE_TOKEN` (another, for the upstream
//! ceiling, which verifies a token as often as it is sent).
//! Tokens expire 120 seconds after they are minted.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::AvailableBackend;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::{Passkey, webauthn};
use serde_json::{Value, json};
use url::Url;

type Failure = String;

/// Where and as whom the ceremonies run.
struct Target {
    http: reqwest::Client,
    api: String,
    key: String,
    secret: String,
    origin: String,
    rp_id: String,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [
        api,
        key,
        secret,
        origin,
        rp_id,
        users,
        tokens,
        seconds,
        tokens_file,
        facts_file,
    ] = args.as_slice()
    else {
        eprintln!(
            "usage: mint-tokens <api url> <api key> <api secret> <origin> <rp id> \
             <users> <tokens> <seconds> <tokens file> <facts file>"
        );
        return ExitCode::FAILURE;
    };
    let (Ok(users), Ok(tokens), Ok(seconds)) = (
        users.parse::<usize>(),
        tokens.parse::<usize>(),
        seconds.parse::<u64>(),
    ) else {
        eprintln!("mint-tokens: <users>, <tokens> and <seconds> are whole numbers");
        return ExitCode::FAILURE;
    };
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let target = Target {
        http: reqwest::Client::new(),
        api: api.trim_end_matches('/').to_owned(),
        key: key.clone(),
        secret: secret.clone(),
        origin: origin.clone(),
        rp_id: rp_id.clone(),
    };
    match mint(
        target,
        users.max(1),
        tokens,
        deadline,
        tokens_file,
        facts_file,
    )
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("mint-tokens: {failure}");
            ExitCode::FAILURE
        }
    }
}

async fn mint(
    target: Target,
    users: usize,
    tokens: usize,
    deadline: Instant,
    tokens_file: &str,
    facts_file: &str,
) -> Result<(), Failure> {
    let started = Instant::now();
    let target = std::sync::Arc::new(target);
    // Fresh names each run, so a second run against the same API never
    // meets the first run's aliases.
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut tasks = Vec::with_capacity(users);
    for index in 0..users {
        // The first user also mints the two spare tokens.
        let share =
            tokens / users + usize::from(index < tokens % users) + 2 * usize::from(index == 0);
        let target = std::sync::Arc::clone(&target);
        let username = format!("bench-{}-{index}", &run[..8]);
        tasks.push(tokio::spawn(async move {
            one_user(&target, username, share, deadline).await
        }));
    }
    let mut minted = Vec::with_capacity(users);
    for task in tasks {
        minted.push(task.await.map_err(|e| e.to_string())??);
    }
    let (first_user, mut first_tokens) = minted.remove(0);
    let account_token = first_tokens.pop().ok_or("no spare token")?;
    let sample_token = first_tokens.pop().ok_or("no spare token")?;

    // Interleaved by round, so the file runs oldest first.
    let mut lists: Vec<std::vec::IntoIter<String>> = std::iter::once(first_tokens)
        .chain(minted.into_iter().map(|(_, list)| list))
        .map(Vec::into_iter)
        .collect();
    let mut lines = String::with_capacity(tokens * 700);
    let mut written = 0;
    loop {
        let before = written;
        for list in &mut lists {
            if let Some(token) = list.next() {
                lines.push_str(&token);
                lines.push('\n');
                written += 1;
            }
        }
        if written == before {
            break;
        }
    }
    std::fs::write(tokens_file, lines).map_err(|e| format!("writing {tokens_file}: {e}"))?;
    let facts = format!(
        "BENCH_USER_ID={first_user}\nBENCH_ACCOUNT_TOKEN={account_token}\nBENCH_SAMPLE_TOKEN={sample_token}\n"
    );
    std::fs::write(facts_file, facts).map_err(|e| format!("writing {facts_file}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "mint-tokens: {users} users, {written} sign-in tokens in {seconds:.1} s ({:.0} ceremonies/s)",
        (written + users) as f64 / seconds
    );
    Ok(())
}

/// Registers `username` with a new passkey, then signs in `count` times or
/// until `deadline` (the two spare tokens of the first user come first).
async fn one_user(
    target: &Target,
    username: String,
    count: usize,
    deadline: Instant,
) -> Result<(String, Vec<String>), Failure> {
    let user_id = uuid::Uuid::new_v4().to_string();
    let mut device = Device::new();

    // What the app's POST /api/signup asks for.
    let token = target
        .backend(
            "/register/token",
            json!({
                "userId": user_id,
                "username": username,
                "displayName": username,
                "discoverable": true,
                "aliases": [username],
                "aliasHashing": false,
            }),
        )
        .await?;
    let token = text(&token, "token")?;
    let begun = target
        .browser("/register/begin", json!({ "token": token }))
        .await?;
    let credential = device.create(&target.origin, &begun["data"]).await?;
    target
        .browser(
            "/register/complete",
            json!({ "session": text(&begun, "session")?, "response": credential, "nickname": "bench" }),
        )
        .await?;

    let mut tokens = Vec::with_capacity(count);
    while tokens.len() < count && (tokens.len() < 2 || Instant::now() < deadline) {
        let begun = target
            .browser("/signin/begin", json!({ "alias": username }))
            .await?;
        let assertion = device.get(&target.origin, &begun["data"]).await?;
        let done = target
            .browser(
                "/signin/complete",
                json!({ "session": text(&begun, "session")?, "response": assertion }),
            )
            .await?;
        tokens.push(text(&done, "token")?.to_owned());
    }
    Ok((user_id, tokens))
}

impl Target {
    /// A backend call with the `ApiSecret`.
    async fn backend(&self, path: &str, body: Value) -> Result<Value, Failure> {
        let request = self
            .http
            .post(format!("{}{path}", self.api))
            .header("ApiSecret", &self.secret)
            .json(&body);
        answer(path, request).await
    }

    /// A browser call with the `ApiKey`, in the official client's casing.
    async fn browser(&self, path: &str, mut body: Value) -> Result<Value, Failure> {
        body["RPID"] = json!(self.rp_id);
        body["Origin"] = json!(self.origin);
        let request = self
            .http
            .post(format!("{}{path}", self.api))
            .header("ApiKey", &self.key)
            .header("Client-Version", "js-1.2.4")
            .header("Origin", &self.origin)
            .json(&body);
        answer(path, request).await
    }
}

async fn answer(path: &str, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
    let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("{path}: not JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!("{path} answered {status}: {body}"));
    }
    Ok(body)
}

fn text<'a>(value: &'a Value, key: &str) -> Result<&'a str, Failure> {
    value[key]
        .as_str()
        .ok_or_else(|| format!("no {key:?} in {value}"))
}

/// A person who is always there and always verified.
struct AlwaysVerified;

#[async_trait::async_trait]
impl UserValidationMethod for AlwaysVerified {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

type SoftwareClient =
    Client<Option<Passkey>, AlwaysVerified, AvailableBackend, public_suffix::PublicSuffixList, ()>;

/// A software authenticator with one passkey, behind a WebAuthn client that,
/// like browsers, treats `http://localhost` as secure.
struct Device {
    client: SoftwareClient,
}

impl Device {
    fn new() -> Self {
        let authenticator =
            Authenticator::new(Aaguid([0x42; 16]), None, AlwaysVerified, AvailableBackend);
        Device {
            client: Client::new(authenticator).allows_insecure_localhost(true),
        }
    }

    /// `navigator.credentials.create()`, answered in the official client's casing.
    async fn create(&mut self, origin: &str, options: &Value) -> Result<Value, Failure> {
        let request: webauthn::CredentialCreationOptions =
            serde_json::from_value(json!({ "publicKey": options }))
                .map_err(|e| format!("creation options: {e}"))?;
        let origin = Url::parse(origin).map_err(|e| e.to_string())?;
        let created = self
            .client
            .register(&origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("the authenticator did not register: {e:?}"))?;
        let created = serde_json::to_value(created).map_err(|e| e.to_string())?;
        Ok(json!({
            "id": created["id"],
            "rawId": base64url(&created["rawId"])?,
            "type": created["type"],
            "clientExtensionResults": created["clientExtensionResults"],
            "response": {
                "AttestationObject": base64url(&created["response"]["attestationObject"])?,
                "clientDataJson": base64url(&created["response"]["clientDataJSON"])?,
            },
        }))
    }

    /// `navigator.credentials.get()`, answered like the official client.
    async fn get(&mut self, origin: &str, options: &Value) -> Result<Value, Failure> {
        let request: webauthn::CredentialRequestOptions =
            serde_json::from_value(json!({ "publicKey": options }))
                .map_err(|e| format!("request options: {e}"))?;
        let origin = Url::parse(origin).map_err(|e| e.to_string())?;
        let asserted = self
            .client
            .authenticate(&origin, request, DefaultClientData)
            .await
            .map_err(|e| format!("the authenticator did not sign: {e:?}"))?;
        let asserted = serde_json::to_value(asserted).map_err(|e| e.to_string())?;
        Ok(json!({
            "id": asserted["id"],
            "rawId": base64url(&asserted["rawId"])?,
            "type": asserted["type"],
            "clientExtensionResults": {},
            "response": {
                "authenticatorData": base64url(&asserted["response"]["authenticatorData"])?,
                "clientDataJson": base64url(&asserted["response"]["clientDataJSON"])?,
                "signature": base64url(&asserted["response"]["signature"])?,
            },
        }))
    }
}

/// The passkey crate writes bytes as JSON arrays; browsers send base64url.
fn base64url(value: &Value) -> Result<Value, Failure> {
    match value {
        Value::Array(items) => {
            let bytes = items
                .iter()
                .map(|item| item.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or("a byte array with something else in it")?;
            Ok(json!(URL_SAFE_NO_PAD.encode(bytes)))
        }
        other => Ok(other.clone()),
    }
}
