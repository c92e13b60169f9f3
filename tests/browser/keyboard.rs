//! The main flows with the keyboard alone: every field has a label, Tab
//! reaches the field and then its button, focus is always visible, and Enter
//! submits.

use crate::app::in_the_browser;
use crate::harness::{Step, ensure};
use crate::steps::{open_sign_in_ignoring_autofill, sign_out};

/// Enough presses to pass the skip link and the header's links.
const TABS_TO_THE_FORM: usize = 10;

#[actix_web::test]
async fn signing_up_and_in_again_works_with_the_keyboard_alone() {
    in_the_browser(async |browser| -> Step {
        browser.visit("/signup").await?;
        ensure(
            browser.label_of("#username").await? == "Username",
            "the username field should be labelled Username",
        )?;
        ensure(
            browser
                .label_of("#nickname")
                .await?
                .starts_with("Passkey name"),
            "the passkey name field should be labelled Passkey name",
        )?;
        browser.tab_to("#username", TABS_TO_THE_FORM).await?;
        browser.type_keys("alice").await?;
        browser.tab_to("#nickname", 1).await?;
        browser.tab_to("#signup-button", 1).await?;
        browser.press("Enter").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await?;

        sign_out(browser).await?;
        open_sign_in_ignoring_autofill(browser).await?;
        ensure(
            browser.label_of("#username").await? == "Username",
            "the sign-in username field should be labelled Username",
        )?;
        browser.tab_to("#username", TABS_TO_THE_FORM).await?;
        browser.type_keys("alice").await?;
        browser.tab_to("#signin-button", 1).await?;
        browser.press("Enter").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await
    })
    .await;
}

#[actix_web::test]
async fn enter_in_the_username_field_signs_in() {
    in_the_browser(async |browser| -> Step {
        crate::steps::sign_up(browser, "alice").await?;
        sign_out(browser).await?;

        open_sign_in_ignoring_autofill(browser).await?;
        browser.tab_to("#username", TABS_TO_THE_FORM).await?;
        browser.type_keys("alice").await?;
        browser.press("Enter").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await
    })
    .await;
}

#[actix_web::test]
async fn the_passkey_button_and_sign_out_work_with_the_keyboard_alone() {
    in_the_browser(async |browser| -> Step {
        crate::steps::sign_up(browser, "alice").await?;
        browser.tab_to("#signout-button", 40).await?;
        browser.press("Enter").await?;
        browser.wait_for_url("/").await?;

        open_sign_in_ignoring_autofill(browser).await?;
        browser
            .tab_to("#passkey-button", TABS_TO_THE_FORM + 2)
            .await?;
        browser.press("Enter").await?;
        browser.wait_for_url("/account").await?;
        browser.wait_for_text("#account-username", "alice").await
    })
    .await;
}
