//! Ceremonies that fail in the browser: the person hears why, and can try again.

use crate::app::in_the_browser;
use crate::harness::{Step, ensure};
use crate::steps::{open_sign_in_ignoring_autofill, sign_out, sign_up};

const CANCELLED: &str = "The passkey request was cancelled or timed out.";

#[actix_web::test]
async fn refusing_user_verification_at_sign_up_says_it_was_cancelled_and_a_retry_works() {
    in_the_browser(async |browser| -> Step {
        browser.set_user_verified(false).await?;
        browser.visit("/signup").await?;
        browser.type_into("#username", "alice").await?;
        browser.click("#signup-button").await?;
        browser.wait_for_text("#message", CANCELLED).await?;
        browser.wait_for_class("#message", "error").await?;
        ensure(
            browser.current_path().await == "/signup",
            "a cancelled sign-up should leave the person on the sign-up page",
        )?;

        browser.set_user_verified(true).await?;
        browser.click("#signup-button").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await
    })
    .await;
}

#[actix_web::test]
async fn refusing_user_verification_at_sign_in_says_it_was_cancelled_and_a_retry_works() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        open_sign_in_ignoring_autofill(browser).await?;
        browser.set_user_verified(false).await?;
        browser.click("#passkey-button").await?;
        browser.wait_for_text("#message", CANCELLED).await?;
        browser.wait_for_class("#message", "error").await?;

        // The page re-arms autofill after a failure; hold it pending while
        // the device recovers, so the retry below is the one that signs in.
        browser.set_automatic_presence(false).await?;
        browser.set_user_verified(true).await?;
        browser.set_automatic_presence(true).await?;
        browser.click("#passkey-button").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await
    })
    .await;
}

#[actix_web::test]
async fn opening_the_app_at_127_0_0_1_says_to_use_localhost_instead() {
    in_the_browser(async |browser| -> Step {
        let localhost = browser.origin().to_owned();
        let ip = localhost.replace("//localhost:", "//127.0.0.1:");
        browser.visit_url(&format!("{ip}/signup")).await?;
        browser
            .wait_for_text("#message", "Passkeys do not work on an IP address.")
            .await?;
        browser
            .wait_for_text("#message", &format!("Open this page at {localhost}"))
            .await
    })
    .await;
}
