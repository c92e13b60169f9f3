//! Creating an account.

use crate::app::in_the_browser;
use crate::harness::{Step, ensure};
use crate::steps::{sign_out, sign_up};

#[actix_web::test]
async fn signing_up_lands_on_the_account_page_showing_the_username_and_one_passkey() {
    in_the_browser(async |browser| -> Step {
        browser.visit("/signup").await?;
        browser.type_into("#username", "alice").await?;
        browser.click("#signup-button").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await?;
        browser.wait_for_count("#passkeys li.passkey", 1).await?;
        ensure(
            !browser.text_of("#account-user-id").await?.is_empty(),
            "the account page should show the user id",
        )?;
        ensure(
            browser.passkeys_on_device().await? == 1,
            "the device should hold the new passkey",
        )
    })
    .await;
}

#[actix_web::test]
async fn a_taken_username_says_so_and_the_page_still_signs_up_another_name() {
    in_the_browser(async |browser| -> Step {
        sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        browser.visit("/signup").await?;
        browser.type_into("#username", "alice").await?;
        browser.click("#signup-button").await?;
        browser
            .wait_for_text("#message", "That username is already taken.")
            .await?;
        browser.wait_for_class("#message", "error").await?;
        ensure(
            browser.current_path().await == "/signup",
            "a taken username should leave the person on the sign-up page",
        )?;

        browser.type_into("#username", "bob").await?;
        browser.click("#signup-button").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "bob").await
    })
    .await;
}
