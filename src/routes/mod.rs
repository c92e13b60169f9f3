//! Every route the app serves, registered in [`configure`] so the server
//! and the tests share one routing table.

mod api;
pub(crate) mod health;
mod pages;

use std::time::Duration;

use actix_extensible_rate_limit::RateLimiter;
use actix_extensible_rate_limit::backend::SimpleInputFunctionBuilder;
use actix_extensible_rate_limit::backend::memory::InMemoryBackend;
use actix_files::Files;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{Condition, Next, from_fn};
use actix_web::{Route, guard, web};

use crate::assets::STATIC_DIR;
use crate::error::{AppError, error_page};
use crate::templates::Layout;

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
    cfg.service(page("/").route(read().to(pages::home)))
        .service(page("/signup").route(read().to(pages::signup)))
        .service(page("/signin").route(read().to(pages::signin)))
        .service(page("/account").route(read().to(pages::account)))
        .service(web::resource("/healthz").route(read().to(health::live)))
        .service(web::resource("/readyz").route(read().to(health::ready)))
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
        .service(
            web::scope("/static")
                .wrap(from_fn(static_errors))
                .service(Files::new("", STATIC_DIR).prefer_utf8(true)),
        )
        .default_service(web::to(pages::not_found));
}

/// A page: any method but GET and HEAD gets the 405 page, in the layout of
/// whoever is signed in.
fn page(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(pages::method_not_allowed))
}

/// GET, and HEAD with it: monitors and link checkers send HEAD, and HTTP
/// requires a server that answers GET to answer HEAD (actix drops the body).
fn read() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// actix-files answers a directory, a hidden or malformed path and a wrong
/// method with its own plain-text sentences; people get the site's pages.
async fn static_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let page = match response.status() {
        StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND => error_page(&AppError::NotFound),
        StatusCode::METHOD_NOT_ALLOWED => pages::method_not_allowed_page(Layout::signed_out()),
        _ => return Ok(response),
    };
    Ok(response.into_response(page))
}
