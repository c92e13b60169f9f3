//! Signing in, every way the sign-in page offers, and signing out.

use crate::app::in_the_browser;
use crate::harness::{Step, ensure};
use crate::steps::{
    ask_to_delete, expect_signed_in_by, open_sign_in_ignoring_autofill, sign_out, sign_up,
};

#[actix_web::test]
async fn signing_out_then_in_by_username_returns_to_the_account_page() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        open_sign_in_ignoring_autofill(browser).await?;
        browser.type_into("#username", "alice").await?;
        browser.click("#signin-button").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await?;
        browser
            .wait_for_count("#passkeys li.passkey .passkey-current", 1)
            .await
    })
    .await;
}

#[actix_web::test]
async fn a_username_nobody_has_does_not_sign_in_to_another_account() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        // Nobody is called "ghost": the browser offers the passkeys it has
        // for the site, and alice's is the one it picks.
        browser.without_autofill().await?;
        browser.visit("/signin").await?;
        browser.type_into("#username", "ghost").await?;
        browser.click("#signin-button").await?;
        browser
            .wait_for_text("#message", "belongs to a different account")
            .await?;
        browser.wait_for_class("#message", "error").await?;
        browser.visit("/account").await?;
        browser.wait_for_url("/signin").await
    })
    .await;
}

#[actix_web::test]
async fn the_passkey_button_signs_in_without_a_username() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        open_sign_in_ignoring_autofill(browser).await?;
        browser.click("#passkey-button").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await?;
        expect_signed_in_by(browser, "discoverable").await
    })
    .await;
}

#[actix_web::test]
async fn autofill_on_the_username_field_signs_in() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        // Read while the authenticator cannot answer, so the page cannot
        // sign in and navigate away mid-read.
        browser.set_automatic_presence(false).await?;
        browser.visit("/signin").await?;
        browser.wait_for_autofill_request().await?;
        let autocomplete = browser
            .attribute_of("#username", "autocomplete")
            .await?
            .unwrap_or_default();
        ensure(
            autocomplete
                .split_whitespace()
                .any(|token| token == "webauthn"),
            format!("the username field's autocomplete is {autocomplete:?}, without webauthn"),
        )?;
        browser.set_automatic_presence(true).await?;

        // Chromium's virtual authenticator picks the suggested passkey as
        // soon as the page arms autofill, where a person would focus the
        // field and choose it. Nothing is typed or clicked, so only autofill
        // can sign in here.
        browser.forget_passkey_requests().await?;
        browser.visit("/signin").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await?;
        let requests = browser.passkey_requests().await?;
        ensure(
            requests == ["autofill"],
            format!("expected one autofill request and no other, the page made {requests:?}"),
        )
    })
    .await;
}

#[actix_web::test]
async fn a_passkey_the_server_no_longer_knows_is_not_recognised() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        // A second device adds a passkey, which is then deleted from the
        // account; the device still holds it.
        browser.switch_to_new_authenticator().await?;
        browser.type_into("#passkey-name", "Old phone").await?;
        browser.click("#add-passkey-button").await?;
        browser.wait_for_count("#passkeys li.passkey", 2).await?;
        ask_to_delete(browser, "Old phone").await?;
        browser.click("#confirm-delete-yes").await?;
        browser.wait_for_count("#passkeys li.passkey", 1).await?;
        sign_out(browser).await?;

        open_sign_in_ignoring_autofill(browser).await?;
        browser.click("#passkey-button").await?;
        browser
            .wait_for_text("#message", "This passkey is not recognised.")
            .await?;
        browser.wait_for_class("#message", "error").await?;
        ensure(
            browser.current_path().await == "/signin",
            "an unknown passkey should leave the person on the sign-in page",
        )
    })
    .await;
}

#[actix_web::test]
async fn the_account_page_after_signing_out_redirects_to_sign_in() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        browser.set_automatic_presence(false).await?;
        browser.visit("/account").await?;
        browser.wait_for_url("/signin").await
    })
    .await;
}
