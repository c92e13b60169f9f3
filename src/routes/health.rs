//! Probes for orchestrators: liveness needs nothing, readiness needs the
//! Passwordless API to answer and accept our secret.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::passwordless::PasswordlessClient;

/// How long a good answer from the API stands for the next probes. `/readyz`
/// is public: without this, anyone could turn each request to it into a
/// call on the operator's API. Probes come every few seconds, so they still
/// see a change within one period. Failures are not kept, so recovery shows
/// at once.
const READY_FOR: Duration = Duration::from_secs(5);

/// When the API last answered the readiness check well, shared by workers.
#[derive(Debug, Default)]
pub struct Readiness {
    confirmed_at: Mutex<Option<Instant>>,
}

impl Readiness {
    fn is_fresh(&self) -> bool {
        self.lock()
            .is_some_and(|confirmed| confirmed.elapsed() < READY_FOR)
    }

    fn confirm(&self) {
        *self.lock() = Some(Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.confirmed_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "up" }))
}

pub async fn ready(
    client: web::ThinData<PasswordlessClient>,
    readiness: web::Data<Readiness>,
) -> HttpResponse {
    if readiness.is_fresh() {
        return ready_response();
    }
    match client.check_ready().await {
        Ok(()) => {
            readiness.confirm();
            ready_response()
        }
        Err(error) => {
            // A warning, not an error: the probe will ask again, and the
            // operator-facing cause is what matters here.
            log::warn!("not ready: {error}");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}

fn ready_response() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ready" }))
}
