//! The local Passwordless API: an offline stand-in for Passwordless.dev that
//! speaks the same HTTP contract (`passwordless-api.md`) and verifies
//! WebAuthn for real, so the app, its tests and the official browser client
//! run with no account and no network.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use passkeys_actix::local_api::{LocalApi, LocalApiSettings};
//!
//! let api = LocalApi::start(LocalApiSettings::in_memory())?;
//! println!("{} {}", api.base_url(), api.public_key());
//! api.into_server().await?;
//! # Ok(()) }
//! ```

mod auth;
mod backend;
mod browser;
mod ceremony;
mod cors;
mod keys;
mod problem;
mod request;
mod routes;
pub mod settings;
mod state;
mod store;
mod tokens;

use std::fmt;
use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};

use self::keys::AppKeys;
pub use self::settings::{LocalApiSettings, SettingsError, StateLocation};
use self::state::ApiState;
use self::store::{StateFileError, StateWriter, Store};

/// Why the local API could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalApiError {
    #[error(transparent)]
    State(#[from] StateFileError),
    #[error("cannot listen on {addr} (LOCAL_API_ADDR): {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// A bound, not yet running local API.
pub struct LocalApi {
    server: Server,
    port: u16,
    public_key: String,
    secret: String,
    state_file: Option<PathBuf>,
}

impl LocalApi {
    /// Loads (or creates) the state, binds the listener and returns the
    /// server, which runs once spawned or awaited. Call it inside the actix
    /// (Tokio) runtime.
    pub fn start(settings: LocalApiSettings) -> Result<LocalApi, LocalApiError> {
        let (store, writer) = open_state(&settings)?;
        let state_file = writer.as_ref().map(|w| w.path().to_owned());
        let state = web::Data::new(ApiState::new(store, writer));
        let public_key = state.keys.public_key.clone();
        let secret = state.keys.secret.clone();

        let bind_error = |source| LocalApiError::Bind {
            addr: settings.listen_addr.clone(),
            source,
        };
        let listener = TcpListener::bind(&settings.listen_addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(middleware::from_fn(cors::cors_and_problems))
                // %U is the path only: query strings may carry user ids.
                .wrap(crate::request_log::middleware("local_api"))
                .configure(routes::configure)
        })
        .listen(listener)
        .map_err(bind_error)?
        .run();

        Ok(LocalApi {
            server,
            port,
            public_key,
            secret,
            state_file,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`, what the app and the browser call.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `ApiKey` for the browser client.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `ApiSecret` for the backend; never log it.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The state file, or `None` in memory mode.
    pub fn state_file(&self) -> Option<&std::path::Path> {
        self.state_file.as_deref()
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}

impl fmt::Debug for LocalApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalApi")
            .field("port", &self.port)
            .field("public_key", &self.public_key)
            .field("secret", &"<redacted>")
            .field("state_file", &self.state_file)
            .finish()
    }
}

/// Reads the state file (creating it with new keys on first start), or
/// makes an empty in-memory store. Keys from the settings win over stored ones.
fn open_state(settings: &LocalApiSettings) -> Result<(Store, Option<StateWriter>), StateFileError> {
    let given = |keys: AppKeys| match (&settings.api_key, &settings.api_secret) {
        (Some(key), Some(secret)) => keys.with_given_pair(key, secret),
        _ => keys,
    };
    match &settings.state {
        StateLocation::Memory => Ok((Store::new(given(AppKeys::generate())), None)),
        StateLocation::File(path) => {
            let writer = StateWriter::open(path.clone())?;
            let store = match store::load(path)? {
                Some(mut store) => {
                    let stored_app = store.keys().app_id.clone();
                    let keys = given(store.keys().clone());
                    let lost = store.set_keys(keys);
                    if lost > 0 {
                        log::warn!(
                            "{lost} alias(es) in {} were stored hashed for app {stored_app:?} and \
                             no longer match under app {:?} (LOCAL_API_KEY)",
                            path.display(),
                            store.keys().app_id,
                        );
                    }
                    store
                }
                None => {
                    let store = Store::new(given(AppKeys::generate()));
                    // Written now so the generated keys survive a restart.
                    writer.write(0, &store.snapshot())?;
                    store
                }
            };
            Ok((store, Some(writer)))
        }
    }
}
