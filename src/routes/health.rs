//! Probes for orchestrators: liveness needs nothing, readiness needs the
//! Passwordless API to answer and accept our secret.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::passwordless::PasswordlessClient;

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "up" }))
}

pub async fn ready(client: web::ThinData<PasswordlessClient>) -> HttpResponse {
    match client.check_ready().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(error) => {
            // A warning, not an error: the probe will ask again, and the
            // operator-facing cause is what matters here.
            log::warn!("not ready: {error}");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}
