//! Browser tests: every user flow in real headless Chromium, with a WebAuthn
//! virtual authenticator in place of the person's device.

mod harness;
mod platform;
