//! Settings of the local Passwordless API.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `LOCAL_API_ADDR` | address to listen on (`host:port`; port 0 picks a free one) | `127.0.0.1:8081` |
//! | `LOCAL_API_STATE` | path of the JSON state file, or `memory` | `.local-api/state.json` |
//! | `LOCAL_API_KEY` | public key `<appId>:public:<32 hex>` | generated, kept in the state file |
//! | `LOCAL_API_SECRET` | secret `<appId>:secret:<32 hex>` | generated, kept in the state file |
//!
//! The values come through a lookup closure, so the caller decides where
//! they live (environment, `.env`, a test's map).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::keys::{KeyKind, KeyShapeError, parse_key};

/// Default state file, relative to the working directory (ignored by git).
pub const DEFAULT_STATE_FILE: &str = ".local-api/state.json";
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8081";

/// Where users, credentials, aliases and keys are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// A JSON file, rewritten atomically after each change.
    File(PathBuf),
    /// Nothing survives a restart; keys are new each start unless given.
    Memory,
}

/// Everything the local API needs to start.
#[derive(Clone)]
pub struct LocalApiSettings {
    /// `host:port` to bind, e.g. "127.0.0.1:8081"; tests use "127.0.0.1:0".
    pub listen_addr: String,
    pub state: StateLocation,
    /// The public key to accept, instead of the one kept in the state file.
    pub api_key: Option<String>,
    /// The secret to accept, instead of the one kept in the state file.
    pub api_secret: Option<String>,
}

/// A setting that cannot be used; the message names the variable and the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error(
        "LOCAL_API_ADDR={value:?} is not a socket address; use host:port such as 127.0.0.1:8081"
    )]
    BadListenAddr { value: String },
    #[error("LOCAL_API_KEY is not a public key: {reason} (for example local:public:<32 hex>)")]
    BadApiKey { reason: KeyShapeError },
    #[error("LOCAL_API_SECRET is not a secret: {reason} (for example local:secret:<32 hex>)")]
    BadApiSecret { reason: KeyShapeError },
    #[error("set both LOCAL_API_KEY and LOCAL_API_SECRET, or neither (then keys are generated)")]
    HalfAPair,
    #[error("LOCAL_API_KEY and LOCAL_API_SECRET name different app ids; use one pair")]
    MismatchedAppIds,
}

impl LocalApiSettings {
    /// Settings for tests and embedding: a free loopback port, nothing on disk.
    pub fn in_memory() -> Self {
        LocalApiSettings {
            listen_addr: "127.0.0.1:0".to_owned(),
            state: StateLocation::Memory,
            api_key: None,
            api_secret: None,
        }
    }

    /// Reads the `LOCAL_API_*` settings through `lookup` (see the module docs).
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let listen_addr = get("LOCAL_API_ADDR").unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_owned());
        if listen_addr.parse::<SocketAddr>().is_err() {
            return Err(SettingsError::BadListenAddr { value: listen_addr });
        }

        let state = match get("LOCAL_API_STATE") {
            Some(value) if value.eq_ignore_ascii_case("memory") => StateLocation::Memory,
            Some(path) => StateLocation::File(PathBuf::from(path)),
            None => StateLocation::File(PathBuf::from(DEFAULT_STATE_FILE)),
        };

        let api_key = get("LOCAL_API_KEY");
        let api_secret = get("LOCAL_API_SECRET");
        match (&api_key, &api_secret) {
            (Some(key), Some(secret)) => {
                let key_app = parse_key(key, KeyKind::Public)
                    .map_err(|reason| SettingsError::BadApiKey { reason })?;
                let secret_app = parse_key(secret, KeyKind::Secret)
                    .map_err(|reason| SettingsError::BadApiSecret { reason })?;
                if key_app != secret_app {
                    return Err(SettingsError::MismatchedAppIds);
                }
            }
            (None, None) => {}
            _ => return Err(SettingsError::HalfAPair),
        }

        Ok(LocalApiSettings {
            listen_addr,
            state,
            api_key,
            api_secret,
        })
    }
}

impl fmt::Debug for LocalApiSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalApiSettings")
            .field("listen_addr", &self.listen_addr)
            .field("state", &self.state)
            .field("api_key", &self.api_key)
            .field(
                "api_secret",
                &self.api_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<LocalApiSettings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LocalApiSettings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn nothing_set_gives_the_documented_defaults() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.listen_addr, "127.0.0.1:8081");
        assert_eq!(
            settings.state,
            StateLocation::File(PathBuf::from(".local-api/state.json"))
        );
        assert_eq!(settings.api_key, None);
    }

    #[test]
    fn memory_keeps_the_state_in_memory_in_any_case() {
        let settings = settings(&[("LOCAL_API_STATE", "Memory")]).unwrap();
        assert_eq!(settings.state, StateLocation::Memory);
    }

    #[test]
    fn a_key_without_its_secret_is_refused() {
        let key = "local:public:2e728aa5986f4ba8b073a5b28a939795";
        assert_eq!(
            settings(&[("LOCAL_API_KEY", key)]).unwrap_err(),
            SettingsError::HalfAPair
        );
    }

    #[test]
    fn swapped_key_and_secret_are_refused_naming_the_variable() {
        let error = settings(&[
            (
                "LOCAL_API_KEY",
                "local:secret:a679563b331846c79c20b114a4f56d02",
            ),
            (
                "LOCAL_API_SECRET",
                "local:public:2e728aa5986f4ba8b073a5b28a939795",
            ),
        ])
        .unwrap_err();
        assert!(error.to_string().starts_with("LOCAL_API_KEY"));
    }

    #[test]
    fn a_listen_address_without_a_port_is_refused() {
        let error = settings(&[("LOCAL_API_ADDR", "localhost")]).unwrap_err();
        assert!(matches!(error, SettingsError::BadListenAddr { .. }));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let settings = settings(&[
            (
                "LOCAL_API_KEY",
                "local:public:2e728aa5986f4ba8b073a5b28a939795",
            ),
            (
                "LOCAL_API_SECRET",
                "local:secret:a679563b331846c79c20b114a4f56d02",
            ),
        ])
        .unwrap();
        assert!(!format!("{settings:?}").contains("a679563b"));
    }
}
