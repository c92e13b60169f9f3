//! Every setting the app reads, from the environment (and a `.env` file),
//! validated once at start-up. This is the only module that reads the
//! environment; everything else receives a [`Settings`].
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `LISTEN_ADDR` | `127.0.0.1:8080` | where the app listens |
//! | `PUBLIC_ORIGIN` | `http://localhost:<listen port>` | the origin people browse to |
//! | `RP_ID` | the origin's host | the WebAuthn relying-party id |
//! | `SESSION_KEY` | random per start in local mode | at least 64 bytes of key material |
//! | `PASSWORDLESS_API_URL` | `https://v4.passwordless.dev` | the Passwordless API |
//! | `PASSWORDLESS_API_KEY` | (local mode) | public key, `<app>:public:<32 hex>` |
//! | `PASSWORDLESS_API_SECRET` | (local mode) | secret, `<app>:secret:<32 hex>` |
//! | `PASSWORDLESS_API_TIMEOUT_MS` | `5000` | how long one API call may take |
//! | `RATE_LIMIT_PER_MINUTE` | `30` | per-client budget of token and verify calls; `0` is off |
//!
//! With no `PASSWORDLESS_API_SECRET` the app runs in local mode and starts the
//! local Passwordless API (see `src/local_api/`, settings `LOCAL_API_*`).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use url::Url;

/// The default Passwordless.dev cloud endpoint.
pub const CLOUD_API_URL: &str = "https://v4.passwordless.dev";
const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 30;
/// The API answers in milliseconds; past this a person is better served by
/// an error they can retry than by a spinner.
pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(5);
/// actix-session derives its signing and encryption keys from this much
/// material; shorter keys are refused rather than stretched.
const MIN_SESSION_KEY_BYTES: usize = 64;

/// A value that must never be printed: `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that needs it (a header, a key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the Passwordless API is and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Base URL without a trailing slash; may carry a path (self-hosted `/api`).
    pub url: Url,
    /// The public key, handed to pages for the browser client.
    pub public_key: String,
    /// The secret, sent by the server only.
    pub secret: Secret,
    /// How long one call may take, connecting included.
    pub timeout: Duration,
}

impl ApiSettings {
    /// The base URL as a string without a trailing slash, ready to append
    /// `/register/token` and friends.
    pub fn base(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_owned()
    }

    /// `scheme://host[:port]` of the API, for the CSP's `connect-src`.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// Says, for the start-up log, which kind of API this is.
    pub fn kind(&self) -> &'static str {
        if self.url.host_str() == Some("v4.passwordless.dev") {
            "the Passwordless.dev cloud"
        } else {
            "a self-hosted Passwordless server"
        }
    }
}

/// Which Passwordless API the app talks to.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The cloud or a self-hosted server, with the operator's keys.
    Remote(ApiSettings),
    /// The local stand-in, started alongside the app; its URL and keys are
    /// only known once it is running.
    #[cfg(feature = "local-api")]
    Local(crate::local_api::LocalApiSettings),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen_addr: SocketAddr,
    /// `None` means "http://localhost:<bound port>", decided after binding
    /// (tests bind port 0).
    pub public_origin: Option<Url>,
    /// `None` means the public origin's host.
    pub rp_id: Option<String>,
    /// `None` (local mode only) means a random key per start.
    pub session_key: Option<Secret>,
    pub mode: Mode,
    /// How long one call to the Passwordless API may take.
    pub api_timeout: Duration,
    /// `0` turns rate limiting off.
    pub rate_limit_per_minute: u32,
}

/// A setting that cannot be used, with the variable's name and the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn invalid(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

impl Settings {
    /// Reads the process environment, with a `.env` file filling in what
    /// the environment does not set (see [`load_env`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        let values = load_env()?;
        Self::from_lookup(|key| values.get(key).cloned())
    }

    /// Builds settings from any lookup (tests pass a closure over a map).
    /// Empty values count as unset, as they do in most `.env` tooling.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let listen_addr = get("LISTEN_ADDR")
            .unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_owned())
            .parse::<SocketAddr>()
            .map_err(|_| {
                invalid(
                    "LISTEN_ADDR",
                    "is not an address; use IP:PORT, e.g. 127.0.0.1:8080",
                )
            })?;

        let public_origin = get("PUBLIC_ORIGIN").map(|v| parse_origin(&v)).transpose()?;
        let rp_id = get("RP_ID").map(|v| v.to_ascii_lowercase());
        check_rp_id(public_origin.as_ref(), rp_id.as_deref(), listen_addr)?;

        let session_key = get("SESSION_KEY").map(Secret::new);
        if let Some(key) = session_key
            .as_ref()
            .filter(|k| k.expose().len() < MIN_SESSION_KEY_BYTES)
        {
            return Err(invalid(
                "SESSION_KEY",
                format!(
                    "is {} bytes; it needs at least {MIN_SESSION_KEY_BYTES}. Generate one with `openssl rand -base64 64`",
                    key.expose().len()
                ),
            ));
        }

        let rate_limit_per_minute = match get("RATE_LIMIT_PER_MINUTE") {
            None => DEFAULT_RATE_LIMIT_PER_MINUTE,
            Some(v) => v.parse().map_err(|_| {
                invalid(
                    "RATE_LIMIT_PER_MINUTE",
                    "must be a whole number of requests (0 turns the limit off)",
                )
            })?,
        };

        let api_timeout = match get("PASSWORDLESS_API_TIMEOUT_MS") {
            None => DEFAULT_API_TIMEOUT,
            Some(v) => match v.parse::<u64>() {
                Ok(ms) if ms > 0 => Duration::from_millis(ms),
                _ => {
                    return Err(invalid(
                        "PASSWORDLESS_API_TIMEOUT_MS",
                        "must be a positive number of milliseconds, e.g. 5000",
                    ));
                }
            },
        };

        let mode = read_mode(&get, api_timeout)?;
        if matches!(mode, Mode::Remote(_)) && session_key.is_none() {
            return Err(invalid(
                "SESSION_KEY",
                "is required when talking to a real Passwordless API; generate one with `openssl rand -base64 64`",
            ));
        }

        Ok(Self {
            listen_addr,
            public_origin,
            rp_id,
            session_key,
            mode,
            api_timeout,
            rate_limit_per_minute,
        })
    }
}

/// The process environment over the `.env` file in the working directory.
/// The `.env` values are read, not exported, so the process environment is
/// never changed behind anyone's back.
pub fn load_env() -> Result<HashMap<String, String>, ConfigError> {
    let mut values: HashMap<String, String> = HashMap::new();
    if let Ok(entries) = dotenvy::dotenv_iter() {
        for entry in entries {
            let (key, value) =
                entry.map_err(|e| invalid(".env", format!("cannot be read: {e}")))?;
            values.insert(key, value);
        }
    }
    values.extend(std::env::vars());
    Ok(values)
}

fn read_mode(
    get: &impl Fn(&str) -> Option<String>,
    timeout: Duration,
) -> Result<Mode, ConfigError> {
    let key = get("PASSWORDLESS_API_KEY");
    let secret = get("PASSWORDLESS_API_SECRET");
    let url = get("PASSWORDLESS_API_URL");

    let Some(secret) = secret else {
        if key.is_some() {
            return Err(invalid(
                "PASSWORDLESS_API_SECRET",
                "is missing while PASSWORDLESS_API_KEY is set; set both (from the admin console) or neither for local mode",
            ));
        }
        return local_mode(get, url.is_some());
    };
    let key = key.ok_or_else(|| {
        invalid(
            "PASSWORDLESS_API_KEY",
            "is missing while PASSWORDLESS_API_SECRET is set; copy the public key from the admin console",
        )
    })?;
    check_key_pair(&key, &secret)?;
    let url = parse_api_url(url.as_deref().unwrap_or(CLOUD_API_URL))?;
    Ok(Mode::Remote(ApiSettings {
        url,
        public_key: key,
        secret: Secret::new(secret),
        timeout,
    }))
}

#[cfg(feature = "local-api")]
fn local_mode(get: &impl Fn(&str) -> Option<String>, url_set: bool) -> Result<Mode, ConfigError> {
    if url_set {
        return Err(invalid(
            "PASSWORDLESS_API_URL",
            "is set but PASSWORDLESS_API_SECRET and PASSWORDLESS_API_KEY are not; set them too, or unset the URL to use the local API",
        ));
    }
    crate::local_api::LocalApiSettings::from_lookup(get)
        .map(Mode::Local)
        .map_err(|error| {
            use crate::local_api::SettingsError as E;
            let variable = match &error {
                E::BadListenAddr { .. } => "LOCAL_API_ADDR",
                E::BadApiSecret { .. } => "LOCAL_API_SECRET",
                E::BadApiKey { .. } | E::HalfAPair | E::MismatchedAppIds => "LOCAL_API_KEY",
            };
            ConfigError {
                variable,
                problem: error.to_string(),
            }
        })
}

#[cfg(not(feature = "local-api"))]
fn local_mode(_get: &impl Fn(&str) -> Option<String>, _url_set: bool) -> Result<Mode, ConfigError> {
    Err(invalid(
        "PASSWORDLESS_API_SECRET",
        "is not set and this build has no local API (feature `local-api`); set PASSWORDLESS_API_KEY and PASSWORDLESS_API_SECRET from the Passwordless.dev admin console",
    ))
}

/// What a key of a given kind looks like: `<app id>:<kind>:<32 hex>`.
fn key_shape(value: &str) -> Option<(&str, &str)> {
    let mut parts = value.splitn(3, ':');
    let (app, kind, tail) = (parts.next()?, parts.next()?, parts.next()?);
    let app_ok = app.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && app.chars().all(|c| c.is_ascii_alphanumeric());
    let tail_ok = tail.len() == 32 && tail.chars().all(|c| c.is_ascii_hexdigit());
    (app_ok && tail_ok).then_some((app, kind))
}

fn check_key_pair(key: &str, secret: &str) -> Result<(), ConfigError> {
    let key_kind = key_shape(key);
    let secret_kind = key_shape(secret);
    if matches!(key_kind, Some((_, "secret"))) && matches!(secret_kind, Some((_, "public"))) {
        return Err(invalid(
            "PASSWORDLESS_API_KEY",
            "holds the secret and PASSWORDLESS_API_SECRET holds the public key; swap the two values",
        ));
    }
    let Some((key_app, "public")) = key_kind else {
        return Err(invalid(
            "PASSWORDLESS_API_KEY",
            "is not a public key; expected `<app>:public:<32 hex digits>` from the admin console",
        ));
    };
    let Some((secret_app, "secret")) = secret_kind else {
        return Err(invalid(
            "PASSWORDLESS_API_SECRET",
            "is not a secret; expected `<app>:secret:<32 hex digits>` from the admin console",
        ));
    };
    if key_app != secret_app {
        return Err(invalid(
            "PASSWORDLESS_API_SECRET",
            format!(
                "belongs to app `{secret_app}` but PASSWORDLESS_API_KEY to `{key_app}`; use the pair of one application"
            ),
        ));
    }
    Ok(())
}

fn parse_api_url(value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|_| {
        invalid(
            "PASSWORDLESS_API_URL",
            "is not a URL; use e.g. https://v4.passwordless.dev",
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            "PASSWORDLESS_API_URL",
            "must be an http(s) URL with a host",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "PASSWORDLESS_API_URL",
            "must not have a query or fragment",
        ));
    }
    Ok(url)
}

fn parse_origin(value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|_| {
        invalid("PUBLIC_ORIGIN", "is not a URL; use the scheme, host and port people browse to, e.g. https://example.com")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            "PUBLIC_ORIGIN",
            "must be an http(s) origin such as https://example.com",
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "PUBLIC_ORIGIN",
            "must be an origin only (no path, query or fragment)",
        ));
    }
    let host = url.host_str().unwrap_or_default();
    if url.scheme() == "http" && !is_localhost(host) {
        return Err(invalid(
            "PUBLIC_ORIGIN",
            "uses http on a host other than localhost; browsers allow passkeys only on https (or http://localhost)",
        ));
    }
    Ok(url)
}

fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

fn check_rp_id(
    origin: Option<&Url>,
    rp_id: Option<&str>,
    listen: SocketAddr,
) -> Result<(), ConfigError> {
    // Browsers refuse an IP address as an RP ID, so the default origin uses
    // "localhost" even though the app binds 127.0.0.1.
    let host = origin
        .and_then(Url::host_str)
        .map(str::to_owned)
        .unwrap_or_else(|| "localhost".to_owned());
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.parse::<IpAddr>().is_ok() {
        return Err(invalid(
            "PUBLIC_ORIGIN",
            format!(
                "uses the IP address {host}, which browsers refuse for passkeys; use a host name such as http://localhost:{}",
                listen.port()
            ),
        ));
    }
    let Some(rp_id) = rp_id else { return Ok(()) };
    if rp_id.parse::<IpAddr>().is_ok() || rp_id.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return Err(invalid(
            "RP_ID",
            "is an IP address; browsers require a domain name (e.g. example.com)",
        ));
    }
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err(invalid(
            "RP_ID",
            format!(
                "`{rp_id}` does not match the origin's host `{host}`; use that host or a parent domain of it"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "myapp:public:4364b1a49a404b38b843fe3697b803c8";
    const SECRET: &str = "myapp:secret:11f8dd7733744f2596f2a28544b5fbc4";
    const SESSION_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|key| vars.get(key).cloned())
    }

    fn cloud(extra: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut vars = vec![
            ("PASSWORDLESS_API_KEY", KEY),
            ("PASSWORDLESS_API_SECRET", SECRET),
            ("SESSION_KEY", SESSION_KEY),
        ];
        vars.extend_from_slice(extra);
        load(&vars)
    }

    fn remote(settings: &Settings) -> &ApiSettings {
        #[allow(unreachable_patterns)] // reachable only with the local-api feature
        match &settings.mode {
            Mode::Remote(api) => api,
            _ => panic!("expected the remote mode"),
        }
    }

    fn refused_variable(result: Result<Settings, ConfigError>) -> &'static str {
        result.expect_err("settings should be refused").variable
    }

    #[test]
    fn cloud_settings_with_defaults_are_accepted() {
        let settings = cloud(&[]).unwrap();
        let api = remote(&settings);
        assert_eq!(api.base(), "https://v4.passwordless.dev");
        assert_eq!(api.kind(), "the Passwordless.dev cloud");
        assert_eq!(settings.listen_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(
            settings.rate_limit_per_minute,
            DEFAULT_RATE_LIMIT_PER_MINUTE
        );
    }

    #[test]
    fn a_self_hosted_url_keeps_its_path() {
        let settings = cloud(&[("PASSWORDLESS_API_URL", "https://pwd.example.com/api/")]).unwrap();
        let api = remote(&settings);
        assert_eq!(api.base(), "https://pwd.example.com/api");
        assert_eq!(api.origin(), "https://pwd.example.com");
        assert_eq!(api.kind(), "a self-hosted Passwordless server");
    }

    #[test]
    fn swapped_key_and_secret_are_refused_with_the_fix() {
        let error = load(&[
            ("PASSWORDLESS_API_KEY", SECRET),
            ("PASSWORDLESS_API_SECRET", KEY),
            ("SESSION_KEY", SESSION_KEY),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "PASSWORDLESS_API_KEY");
        assert!(error.problem.contains("swap"), "{error}");
    }

    #[test]
    fn keys_of_the_wrong_shape_or_apps_are_refused() {
        let cases = [
            ("PASSWORDLESS_API_KEY", "not-a-key", "PASSWORDLESS_API_KEY"),
            (
                "PASSWORDLESS_API_KEY",
                "myapp:public:xyz",
                "PASSWORDLESS_API_KEY",
            ),
            (
                "PASSWORDLESS_API_SECRET",
                "myapp:secret:0000",
                "PASSWORDLESS_API_SECRET",
            ),
            (
                "PASSWORDLESS_API_SECRET",
                "other:secret:11f8dd7733744f2596f2a28544b5fbc4",
                "PASSWORDLESS_API_SECRET",
            ),
        ];
        for (variable, value, blamed) in cases {
            assert_eq!(
                refused_variable(cloud(&[(variable, value)])),
                blamed,
                "{variable}={value}"
            );
        }
    }

    #[test]
    fn half_a_key_pair_is_refused() {
        assert_eq!(
            refused_variable(load(&[("PASSWORDLESS_API_KEY", KEY)])),
            "PASSWORDLESS_API_SECRET"
        );
        assert_eq!(
            refused_variable(load(&[
                ("PASSWORDLESS_API_SECRET", SECRET),
                ("SESSION_KEY", SESSION_KEY)
            ])),
            "PASSWORDLESS_API_KEY"
        );
    }

    #[test]
    fn a_short_or_missing_session_key_is_refused_outside_local_mode() {
        assert_eq!(
            refused_variable(cloud(&[("SESSION_KEY", "too-short")])),
            "SESSION_KEY"
        );
        let error = load(&[
            ("PASSWORDLESS_API_KEY", KEY),
            ("PASSWORDLESS_API_SECRET", SECRET),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "SESSION_KEY");
        assert!(
            error.problem.contains("openssl rand"),
            "the message shows how to make one"
        );
    }

    #[test]
    fn rp_ids_that_browsers_would_refuse_are_refused() {
        let cases = [
            (
                &[("PUBLIC_ORIGIN", "https://192.168.1.10")][..],
                "PUBLIC_ORIGIN",
            ),
            (
                &[
                    ("PUBLIC_ORIGIN", "https://example.com"),
                    ("RP_ID", "10.0.0.1"),
                ][..],
                "RP_ID",
            ),
            (
                &[
                    ("PUBLIC_ORIGIN", "https://example.com"),
                    ("RP_ID", "other.com"),
                ][..],
                "RP_ID",
            ),
            (
                &[
                    ("PUBLIC_ORIGIN", "https://example.com"),
                    ("RP_ID", "ample.com"),
                ][..],
                "RP_ID",
            ),
            (&[("RP_ID", "example.com")][..], "RP_ID"),
        ];
        for (vars, blamed) in cases {
            assert_eq!(refused_variable(cloud(vars)), blamed, "{vars:?}");
        }
    }

    #[test]
    fn a_parent_domain_is_a_valid_rp_id() {
        let settings = cloud(&[
            ("PUBLIC_ORIGIN", "https://login.example.com"),
            ("RP_ID", "Example.com"),
        ])
        .unwrap();
        assert_eq!(settings.rp_id.as_deref(), Some("example.com"));
    }

    #[test]
    fn origins_that_cannot_use_passkeys_or_are_not_origins_are_refused() {
        for origin in [
            "http://example.com",
            "https://example.com/app",
            "ftp://example.com",
            "example.com",
        ] {
            assert_eq!(
                refused_variable(cloud(&[("PUBLIC_ORIGIN", origin)])),
                "PUBLIC_ORIGIN",
                "{origin}"
            );
        }
        assert!(cloud(&[("PUBLIC_ORIGIN", "http://localhost:3000")]).is_ok());
    }

    #[test]
    fn unparsable_values_name_their_variable() {
        let cases = [
            ("LISTEN_ADDR", "localhost"),
            ("PASSWORDLESS_API_URL", "not a url"),
            ("PASSWORDLESS_API_URL", "mailto:a@b.c"),
            ("RATE_LIMIT_PER_MINUTE", "lots"),
            ("PASSWORDLESS_API_TIMEOUT_MS", "0"),
        ];
        for (variable, value) in cases {
            assert_eq!(
                refused_variable(cloud(&[(variable, value)])),
                variable,
                "{variable}={value}"
            );
        }
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let settings = cloud(&[]).unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("11f8dd77"), "{printed}");
        assert!(printed.contains("Secret(***)"));
    }
}
