//! The local Passwordless API on its own, for other apps to test against:
//!
//! ```text
//! cargo run --bin local-api
//! LOCAL_API_ADDR=127.0.0.1:9000 LOCAL_API_STATE=memory cargo run --bin local-api
//! ```
//!
//! It logs its URL, its public key and where the secret is kept; the secret
//! itself is never logged. Read it from the state file (`secret` under
//! `keys`), or choose the pair yourself with LOCAL_API_KEY and LOCAL_API_SECRET.

use std::process::ExitCode;

use passkeys_actix::config::load_env;
use passkeys_actix::local_api::{LocalApi, LocalApiSettings};

/// The same allocator as the app, in whose process the local API runs in
/// local mode: measured on its own, it then costs what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::init_from_env(env_logger::Env::new().default_filter_or("info"));

    let vars = match load_env() {
        Ok(vars) => vars,
        Err(error) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let settings = match LocalApiSettings::from_lookup(|name| vars.get(name).cloned()) {
        Ok(settings) => settings,
        Err(error) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let given_keys = settings.api_key.is_some();
    let api = match LocalApi::start(settings) {
        Ok(api) => api,
        Err(error) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let secret_at = match (given_keys, api.state_file()) {
        (true, _) => "LOCAL_API_SECRET".to_owned(),
        (false, Some(path)) => format!("the state file {}", path.display()),
        (false, None) => "memory only (set LOCAL_API_SECRET to choose one)".to_owned(),
    };
    log::info!(
        "local Passwordless API at {} with ApiKey {}; the ApiSecret is in {secret_at}",
        api.base_url(),
        api.public_key(),
    );
    match api.into_server().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log::error!("the local Passwordless API stopped: {error}");
            ExitCode::FAILURE
        }
    }
}
