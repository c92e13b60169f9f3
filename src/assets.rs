//! The vendored official client script (placeholder until the vendoring lands).
pub const CLIENT_SCRIPT_PATH: &str =
    "/static/vendor/passwordless-client/1.2.4/passwordless.umd.min.js";
pub const CLIENT_SCRIPT_INTEGRITY: &str = "sha384-placeholder";
