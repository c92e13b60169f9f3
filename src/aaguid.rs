//! Names for the authenticators people are most likely to use, keyed by the
//! AAGUID their passkeys report. The full, maintained list is the community
//! "passkey authenticator AAGUIDs" dataset and the FIDO Metadata Service;
//! this short table keeps the template free of a download at start-up.
//! An unknown or all-zero AAGUID simply shows no name.

const KNOWN: &[(&str, &str)] = &[
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("b5397666-4885-aa6b-cebf-e52262a439a2", "Chromium Browser"),
    ("771b48fd-d3d4-4f74-9232-fc157ab0507a", "Edge on Mac"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    (
        "dd4ec289-e01d-41c9-bb89-70fa845d4bf2",
        "iCloud Keychain (Managed)",
    ),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
    ("0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6", "KeePassXC"),
    ("53414d53-554e-4700-0000-000000000000", "Samsung Pass"),
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5 Series"),
    ("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5 Series"),
    (
        "fa2b99dc-9e39-4257-8f92-4a30d23c4118",
        "YubiKey 5 Series with NFC",
    ),
    (
        "f8a011f3-8c0a-4d15-8006-17111f9edc7d",
        "Security Key by Yubico",
    ),
    (
        "42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3",
        "Google Titan Security Key",
    ),
];

/// The product name for `aaguid`, if this table knows it.
pub fn authenticator_name(aaguid: &str) -> Option<&'static str> {
    let aaguid = aaguid.to_ascii_lowercase();
    KNOWN
        .iter()
        .find(|(id, _)| *id == aaguid)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_aaguids_have_names_in_any_case() {
        assert_eq!(
            authenticator_name("FBFC3007-154E-4ECC-8C0B-6E020557D7BD"),
            Some("iCloud Keychain")
        );
        assert_eq!(
            authenticator_name("00000000-0000-0000-0000-000000000000"),
            None
        );
    }
}
