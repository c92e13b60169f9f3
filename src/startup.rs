//! Builds and binds the server(s). Tests call [`Application::build`] with
//! port 0 and read the real port back.

use std::net::TcpListener;
use std::sync::Arc;

use actix_extensible_rate_limit::backend::memory::InMemoryBackend;
use actix_session::SessionMiddleware;
use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::error::JsonPayloadError;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use url::Url;

use crate::assets::{CLIENT_SCRIPT_INTEGRITY, CLIENT_SCRIPT_PATH};
use crate::config::{ApiSettings, Mode, Settings};
use crate::error::{ApiError, AppError};
use crate::passwordless::PasswordlessClient;
use crate::replay::{InMemoryUsedTokens, UsedTokens};
use crate::request_log;
use crate::routes::health::Readiness;
use crate::routes::{self, RateLimit};
use crate::security::{self, SecurityPolicy, StaticCaching};
use crate::state::AppState;
use crate::templates::ClientConfig;

/// JSON bodies here are a username or a token: a few hundred bytes.
const JSON_LIMIT_BYTES: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[cfg(feature = "local-api")]
    #[error("the local Passwordless API could not start: {0}")]
    LocalApi(#[from] crate::local_api::LocalApiError),
}

pub struct Application {
    server: Server,
    /// The local API's server, when the app runs in local mode.
    companion: Option<Server>,
    port: u16,
    public_origin: String,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // awc's rustls needs a process-wide crypto provider before the first
        // https call; a second install (tests build many apps) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let (api, companion, api_kind) = start_api(&settings)?;
        // Read the static files now rather than during the first request.
        crate::assets::version();

        let addr = settings.listen_addr;
        let bind_error = |source| StartupError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let public_origin = match &settings.public_origin {
            Some(origin) => origin.origin().ascii_serialization(),
            None => format!("http://localhost:{port}"),
        };
        let rp_id = settings.rp_id.clone().unwrap_or_else(|| {
            Url::parse(&public_origin)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "localhost".to_owned())
        });
        let https = public_origin.starts_with("https://");

        let state = web::Data::new(AppState {
            origin: public_origin.clone(),
            rp_id,
            client: ClientConfig {
                api_url: api.base(),
                api_key: api.public_key.clone(),
                script_integrity: CLIENT_SCRIPT_INTEGRITY,
                script_path: CLIENT_SCRIPT_PATH,
            },
            used_tokens: Arc::new(InMemoryUsedTokens::default()) as Arc<dyn UsedTokens>,
        });
        let static_caching = match settings.mode {
            Mode::Remote(_) => StaticCaching::Day,
            #[cfg(feature = "local-api")]
            Mode::Local(_) => StaticCaching::Revalidate,
        };
        let policy = web::Data::new(SecurityPolicy::new(
            &public_origin,
            &api.origin(),
            static_caching,
        ));
        let session_key = match &settings.session_key {
            Some(key) => Key::derive_from(key.expose().as_bytes()),
            None => {
                log::info!(
                    "no SESSION_KEY set: using a random one, so sign-ins end when the app restarts"
                );
                Key::generate()
            }
        };
        let readiness = web::Data::new(Readiness::default());
        let rate_limit = RateLimit {
            backend: InMemoryBackend::builder().build(),
            per_minute: settings.rate_limit_per_minute,
        };

        let server = HttpServer::new(move || {
            let sessions =
                SessionMiddleware::builder(CookieSessionStore::default(), session_key.clone())
                    .cookie_name(if https { "__Host-session" } else { "session" }.to_owned())
                    .cookie_secure(https)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Private)
                    .build();
            App::new()
                .wrap(sessions)
                .wrap(from_fn(security::protect))
                .wrap(request_log::middleware("actix_web::middleware::logger"))
                .app_data(state.clone())
                .app_data(policy.clone())
                .app_data(readiness.clone())
                .app_data(web::ThinData(PasswordlessClient::new(&api)))
                .app_data(json_config())
                .configure(|cfg| routes::configure(cfg, &rate_limit))
        })
        .listen(listener)
        .map_err(bind_error)?
        .run();

        log::info!("listening on {public_origin} (Passwordless API: {api_kind})");
        Ok(Self {
            server,
            companion,
            port,
            public_origin,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where people browse to, e.g. `http://localhost:8080`.
    pub fn public_origin(&self) -> &str {
        &self.public_origin
    }

    /// Runs until the server stops (Ctrl-C, or a stop through its handle).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.companion {
            Some(companion) => futures_util::future::try_join(self.server, companion)
                .await
                .map(drop),
            None => self.server.await,
        }
    }
}

/// The API settings the app uses, the local API's server when there is one,
/// and a description for the start-up log.
fn start_api(settings: &Settings) -> Result<(ApiSettings, Option<Server>, String), StartupError> {
    match &settings.mode {
        Mode::Remote(api) => Ok((
            api.clone(),
            None,
            format!("{} at {}", api.kind(), api.base()),
        )),
        #[cfg(feature = "local-api")]
        Mode::Local(local) => {
            let local = crate::local_api::LocalApi::start(local.clone())?;
            let api = ApiSettings {
                url: Url::parse(&local.base_url()).expect("the local API's URL is valid"),
                public_key: local.public_key().to_owned(),
                secret: crate::config::Secret::new(local.secret()),
                timeout: settings.api_timeout,
            };
            let kind = format!("the local API at {}", api.base());
            Ok((api, Some(local.into_server()), kind))
        }
    }
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT_BYTES)
        .content_type_required(true)
        .error_handler(|error, _req| {
            let app_error = match error {
                JsonPayloadError::ContentType => AppError::UnsupportedMediaType,
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => AppError::BodyTooLarge,
                other => AppError::BadJson(other.to_string()),
            };
            ApiError(app_error).into()
        })
}
