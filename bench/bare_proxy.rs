//! The floor for the app's proxied paths: actix-web and awc with nothing of
//! the app on top. Every POST it receives is sent on, body and all, as
//! `POST /register/token` with the `ApiSecret`, and the answer comes back as
//! it is: no session, no security headers, no JSON parsed or written. The
//! same worker count and allocator as the app, one awc client per worker.
//! Started by `scripts/bench.sh`:
//!
//! ```text
//! cargo run --release --features bench --bin bench-bare-proxy -- <host:port> <api url> <api secret>
//! ```
//!
//! `POST /api/signup` divided by this, both measured in one run, is how much
//! of what awc and actix-web leave the app keeps.

use std::process::ExitCode;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Upstream {
    client: awc::Client,
    url: String,
}

async fn forward(upstream: web::Data<Upstream>, body: web::Bytes) -> HttpResponse {
    let sent = upstream
        .client
        .post(upstream.url.as_str())
        .insert_header(("Content-Type", "application/json"))
        .send_body(body)
        .await;
    let mut answer = match sent {
        Ok(answer) => answer,
        Err(error) => return HttpResponse::BadGateway().body(error.to_string()),
    };
    match answer.body().await {
        Ok(bytes) => HttpResponse::build(answer.status())
            .content_type("application/json")
            .body(bytes),
        Err(error) => HttpResponse::BadGateway().body(error.to_string()),
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, api_url, secret] = args.as_slice() else {
        eprintln!("usage: bare-proxy <host:port> <api url> <api secret>");
        return ExitCode::FAILURE;
    };
    let (api_url, secret) = (api_url.clone(), secret.clone());
    let server = HttpServer::new(move || {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(5))
            .add_default_header(("ApiSecret", secret.as_str()))
            .finish();
        App::new()
            .app_data(web::Data::new(Upstream {
                client,
                url: format!("{api_url}/register/token"),
            }))
            .default_service(web::post().to(forward))
    });
    match server.bind(addr.as_str()) {
        Ok(server) => match server.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bare-proxy stopped: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("bare-proxy cannot listen on {addr}: {error}");
            ExitCode::FAILURE
        }
    }
}
