//! The platform itself, without the app: if these fail, the browser or its
//! virtual authenticator is broken here, not the product.

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::harness::{Step, ensure, run_in_browser};

/// A blank page on a server of its own, browsed at `localhost`.
async fn blank_page_origin() -> String {
    let server = HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body("<!doctype html><title>blank</title><input id=\"username\">")
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind a port for the blank page");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://localhost:{port}")
}

const CREATE_THEN_GET: &str = r#"(async () => {
  const random = () => crypto.getRandomValues(new Uint8Array(32));
  await navigator.credentials.create({ publicKey: {
    rp: { id: 'localhost', name: 'check' },
    user: { id: random(), name: 'check', displayName: 'check' },
    challenge: random(),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  }});
  const got = await navigator.credentials.get({ publicKey: {
    challenge: random(), rpId: 'localhost', userVerification: 'required',
  }});
  return got.type;
})()"#;

#[actix_web::test]
async fn the_virtual_authenticator_creates_and_uses_a_discoverable_passkey_on_localhost() {
    let origin = blank_page_origin().await;
    run_in_browser(&origin, async |browser| -> Step {
        browser.visit("/").await?;
        let kind: String = browser.eval(CREATE_THEN_GET).await?;
        ensure(kind == "public-key", format!("get() returned {kind:?}"))?;
        ensure(
            browser.passkeys_on_device().await? == 1,
            "the authenticator should hold the one passkey it made",
        )
    })
    .await;
}
