//! Browser tests: every user flow in real headless Chromium, with a WebAuthn
//! virtual authenticator in place of the person's device, against the app in
//! local mode and the vendored official client JS.
//!
//! Needs Chromium (`scripts/install-chromium.sh`). A failing test saves a
//! screenshot, the page HTML and the console log under
//! `target/browser-artifacts/<test>/` and says so in its message.

mod app;
mod failures;
mod harness;
mod keyboard;
mod passkeys;
mod platform;
mod screenshots;
mod signin;
mod signup;
mod steps;
