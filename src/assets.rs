//! The files under `static/`: where they are served from, the version
//! their URLs carry, and the vendored official client script with its
//! Subresource Integrity value. The script's path and integrity come from
//! `scripts/vendor-client.sh`, which prints them; a test below fails if the
//! file on disk and the constant disagree, so a re-vendored or edited file
//! cannot ship with a stale `integrity`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The directory `/static` is served from, relative to the working
/// directory (the repository root under `cargo run`).
pub const STATIC_DIR: &str = "static";

/// URL path of `@passwordlessdev/passwordless-client` 1.2.4 (UMD build,
/// global `Passwordless`), served from `static/`.
pub const CLIENT_SCRIPT_PATH: &str =
    "/static/vendor/passwordless-client/1.2.4/passwordless.umd.min.js";

/// The `integrity` attribute of the client's `<script>` tag.
pub const CLIENT_SCRIPT_INTEGRITY: &str =
    "sha384-cEHJfClr1GLubfVIM+AVbDUmXTUBktVnbaq/RVBWMTMrjPcfqY/WLzsLws/xsEE/";

/// What static URLs carry as `?v=`: a digest of every file under
/// [`STATIC_DIR`], so a changed script or stylesheet gets a new URL and no
/// browser keeps using its cached copy. Computed once, at the first call
/// (startup makes it), because pages and error pages alike need it and the
/// files only change with a deploy; should they be unreadable, the crate
/// version stands in.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        digest_of(Path::new(STATIC_DIR)).unwrap_or_else(|error| {
            log::warn!("cannot read {STATIC_DIR}/ to version its URLs: {error}");
            env!("CARGO_PKG_VERSION").to_owned()
        })
    })
}

/// The first 12 hex digits of a SHA-256 over every file below `dir`: its
/// path relative to `dir`, its length and its bytes, in path order.
fn digest_of(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for path in &files {
        let bytes = std::fs::read(path)?;
        let relative = path.strip_prefix(dir).unwrap_or(path);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(&bytes);
    }
    let digest = hasher.finalize();
    Ok(digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use sha2::Sha384;

    #[test]
    fn the_version_changes_when_any_static_file_changes() {
        let dir = std::env::temp_dir().join(format!("assets-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("js")).unwrap();
        std::fs::write(dir.join("site.css"), "body {}").unwrap();
        std::fs::write(dir.join("js/page.js"), "let a = 1;").unwrap();
        let before = digest_of(&dir).unwrap();
        assert_eq!(before.len(), 12);
        assert_eq!(
            digest_of(&dir).unwrap(),
            before,
            "the same files, the same version"
        );

        std::fs::write(dir.join("js/page.js"), "let a = 2;").unwrap();
        let after = digest_of(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_ne!(after, before);
    }

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
