//! Usernames are Passwordless aliases, and aliases are matched exactly
//! (`Alice` and `alice` are different aliases). So one rule turns whatever a
//! person typed into the one spelling that reaches the API, at sign-up and
//! at sign-in alike: surrounding whitespace is trimmed, letters are
//! lowercased, and the result is put in Unicode normal form C, so an `é`
//! typed as one character and one typed as `e` plus an accent are the same
//! name. `static/js/passkeys.js` applies the same rule before
//! `signinWithAlias`, because that call goes from the browser to the API.

use unicode_normalization::UnicodeNormalization;

/// The longest username, in characters. Aliases may be up to 250, but a
/// name people type and read should be far shorter.
pub const MAX_CHARS: usize = 64;

/// A username that passed [`Username::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        // Nearly every username is ASCII, which is already in form C: skip
        // the Unicode tables for it.
        let normalised: String = if trimmed.is_ascii() {
            trimmed.to_ascii_lowercase()
        } else {
            trimmed.to_lowercase().nfc().collect()
        };
        let count = normalised.chars().count();
        if count == 0 {
            return Err("Please choose a username.");
        }
        if count > MAX_CHARS {
            return Err("Usernames can be at most 64 characters long.");
        }
        if normalised
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || is_invisible(c))
        {
            return Err("Usernames cannot contain spaces, invisible or control characters.");
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that print as nothing (zero-width joiners, direction
/// overrides, soft hyphens, BOMs): they would let two usernames that look
/// identical be different accounts.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(
            Username::parse("  Alice@Example.COM ").unwrap().as_str(),
            "alice@example.com"
        );
        assert_eq!(Username::parse("ÉLODIE").unwrap().as_str(), "élodie");
    }

    #[test]
    fn an_accent_typed_apart_gives_the_same_username() {
        let composed = Username::parse("\u{00E9}lodie").unwrap();
        let decomposed = Username::parse("E\u{0301}lodie").unwrap();
        assert_eq!(composed, decomposed);
        assert_eq!(composed.as_str().chars().count(), 6);
    }

    #[test]
    fn empty_long_and_spaced_usernames_are_refused() {
        assert!(Username::parse("   ").is_err());
        assert!(Username::parse(&"a".repeat(MAX_CHARS + 1)).is_err());
        assert!(Username::parse(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(Username::parse("two words").is_err());
        assert!(Username::parse("tab\there").is_err());
        assert!(Username::parse("nul\0").is_err());
        assert!(
            Username::parse("ali\u{200B}ce").is_err(),
            "zero-width space"
        );
        assert!(
            Username::parse("\u{202E}ecila").is_err(),
            "right-to-left override"
        );
    }
}
