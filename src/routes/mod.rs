//! Every route the app serves, registered in [`configure`] so the server
//! and the tests share one routing table.

mod api;
mod health;
mod pages;

use std::time::Duration;

use actix_extensible_rate_limit::RateLimiter;
use actix_extensible_rate_limit::backend::SimpleInputFunctionBuilder;
use actix_extensible_rate_limit::backend::memory::InMemoryBackend;
use actix_files::Files;
use actix_web::middleware::Condition;
use actix_web::web;

/// The per-client budget of the endpoints that mint or verify tokens. The
/// backend is shared by all workers, so the budget is per process.
#[derive(Clone)]
pub struct RateLimit {
    pub backend: InMemoryBackend,
    /// `0` turns the limit off.
    pub per_minute: u32,
}

pub fn configure(cfg: &mut web::ServiceConfig, limit: &RateLimit) {
    // Keyed by the connecting peer's IP address. Behind a reverse proxy
    // every client shares the proxy's address; swap in `real_ip_key()` only
    // if the proxy is yours and sets Forwarded / X-Forwarded-For.
    let limited = || {
        let input =
            SimpleInputFunctionBuilder::new(Duration::from_secs(60), limit.per_minute.into())
                .peer_ip_key()
                .build();
        Condition::new(
            limit.per_minute > 0,
            RateLimiter::builder(limit.backend.clone(), input)
                .add_headers()
                .build(),
        )
    };

    // Resources (not `cfg.route`) so a wrong method is a 405, not a 404.
    cfg.service(web::resource("/").route(web::get().to(pages::home)))
        .service(web::resource("/signup").route(web::get().to(pages::signup)))
        .service(web::resource("/signin").route(web::get().to(pages::signin)))
        .service(web::resource("/account").route(web::get().to(pages::account)))
        .service(web::resource("/healthz").route(web::get().to(health::live)))
        .service(web::resource("/readyz").route(web::get().to(health::ready)))
        .service(
            web::scope("/api")
                .service(
                    web::resource("/signup")
                        .wrap(limited())
                        .route(web::post().to(api::signup)),
                )
                .service(
                    web::resource("/signin")
                        .wrap(limited())
                        .route(web::post().to(api::signin)),
                )
                .service(
                    web::resource("/passkeys")
                        .wrap(limited())
                        .route(web::post().to(api::add_passkey)),
                )
                .service(
                    web::resource("/passkeys/verify")
                        .wrap(limited())
                        .route(web::post().to(api::finish_adding_passkey)),
                )
                .service(
                    web::resource("/passkeys/{credential_id}")
                        .route(web::delete().to(api::delete_passkey)),
                )
                .service(web::resource("/signout").route(web::post().to(api::signout)))
                .default_service(web::to(api::not_found)),
        )
        .service(Files::new("/static", "static").prefer_utf8(true))
        .default_service(web::to(pages::not_found));
}
