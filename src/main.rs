//! Starts the app: logging, settings, server. Everything else is in the
//! library, where the tests can reach it.

use std::process::ExitCode;

use passkeys_actix::config::Settings;
use passkeys_actix::startup::Application;

/// Every request allocates and frees a few buffers; mimalloc does that with
/// less CPU than glibc's malloc (BENCHMARKS.md has the numbers).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("Cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("Cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("The server stopped with an error: {error}");
            ExitCode::FAILURE
        }
    }
}
