//! The app under test: local mode, the local Passwordless API in memory, both
//! on port 0, browsed at `http://localhost:PORT`.

use std::time::{Duration, Instant};

use passkeys_actix::config::Settings;
use passkeys_actix::startup::Application;

use crate::harness::{BrowserTest, Step, run_in_browser};

/// Starts a fresh app and waits until `/healthz` answers.
/// Returns the origin to browse (`http://localhost:PORT`, never the IP).
pub async fn spawn_app() -> String {
    let settings = Settings::from_lookup(|key| match key {
        "LISTEN_ADDR" | "LOCAL_API_ADDR" => Some("127.0.0.1:0".into()),
        "LOCAL_API_STATE" => Some("memory".into()),
        "RATE_LIMIT_PER_MINUTE" => Some("0".into()),
        _ => None,
    })
    .expect("the browser tests' settings are valid");
    let app = Application::build(settings)
        .await
        .expect("the app and the local API start");
    let port = app.port();
    let origin = app.public_origin().to_owned();
    tokio::spawn(app.run_until_stopped());
    wait_until_healthy(port).await;
    origin
}

async fn wait_until_healthy(port: u16) {
    let url = format!("http://127.0.0.1:{port}/healthz");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let healthy = client
            .get(&url)
            .send()
            .await
            .is_ok_and(|response| response.status().is_success());
        if healthy {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the app did not answer {url} within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Runs `flow` in a fresh browser against a fresh app.
pub async fn in_the_browser<F>(flow: F)
where
    F: AsyncFnOnce(&mut BrowserTest) -> Step,
{
    let origin = spawn_app().await;
    run_in_browser(&origin, flow).await;
}
