//! Where the vendored official client script lives and its Subresource
//! Integrity value. Both come from `scripts/vendor-client.sh`, which prints
//! them; the test below fails if the file on disk and the constant disagree,
//! so a re-vendored or edited file cannot ship with a stale `integrity`.

/// URL path of `@passwordlessdev/passwordless-client` 1.2.4 (UMD build,
/// global `Passwordless`), served from `static/`.
pub const CLIENT_SCRIPT_PATH: &str =
    "/static/vendor/passwordless-client/1.2.4/passwordless.umd.min.js";

/// The `integrity` attribute of the client's `<script>` tag.
pub const CLIENT_SCRIPT_INTEGRITY: &str =
    "sha384-cEHJfClr1GLubfVIM+AVbDUmXTUBktVnbaq/RVBWMTMrjPcfqY/WLzsLws/xsEE/";

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use sha2::{Digest, Sha384};

    #[test]
    fn client_script_integrity_matches_the_vendored_file() {
        let relative = CLIENT_SCRIPT_PATH.trim_start_matches('/');
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        let bytes =
            std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));

        let digest = Sha384::digest(&bytes);
        let sri = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );

        assert_eq!(
            sri, CLIENT_SCRIPT_INTEGRITY,
            "re-run scripts/vendor-client.sh and copy its integrity value here"
        );
    }
}
