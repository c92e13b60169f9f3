//! Remembers which verify tokens were already accepted. The Passwordless API
//! verifies a token as often as it is presented until it expires, so single
//! use is ours to enforce.
//!
//! The in-memory store suits one running copy. With several copies behind a
//! load balancer, a token replayed to another copy would pass: implement
//! [`UsedTokens`] over a shared store (Redis `SET key NX EXAT`, a database
//! table with a unique key) and hand that to `startup` instead.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub trait UsedTokens: Send + Sync {
    /// Records `token_id` and says whether this is its first use. The id may
    /// be forgotten once `expires_at` has passed, since the API refuses the
    /// token from then on anyway.
    fn first_use(&self, token_id: &str, expires_at: DateTime<Utc>) -> bool;
}

/// A map of token id to expiry, pruned as it grows.
///
/// At a few thousand sign-ins a second the map holds every token of the
/// last two minutes, so an entry is kept small: 64 bits of the id and the
/// expiry in Unix seconds, 12 bytes with nothing on the heap. The key is a
/// byte array rather than a `u64` because a `u64` would pad the entry to 16
/// bytes (and a `u128` id with millisecond expiries took 32). Two different
/// ids sharing 64 bits would make the second refused as a replay: a
/// one-in-billions chance of a person signing in again, never a replay let
/// through.
#[derive(Debug, Default)]
pub struct InMemoryUsedTokens {
    seen: Mutex<HashMap<[u8; 8], u32>>,
}

/// 64 bits of the id: tokenIds are GUIDs, whose low half is 62 random bits
/// in a v4; anything else is hashed first.
fn key_of(token_id: &str) -> [u8; 8] {
    let mut key = [0; 8];
    match Uuid::try_parse(token_id) {
        Ok(uuid) => key.copy_from_slice(&uuid.as_bytes()[8..]),
        Err(_) => key.copy_from_slice(&Sha256::digest(token_id.as_bytes())[..8]),
    }
    key
}

/// The expiry as whole Unix seconds, rounded up so an id is kept through
/// the second it expires in, never less.
fn expiry_of(expires_at: DateTime<Utc>) -> u32 {
    unix_seconds(expires_at.timestamp() + i64::from(expires_at.timestamp_subsec_nanos() > 0))
}

/// Seconds as the map keeps them: before 1970 is 0, after 2106 the last second.
fn unix_seconds(seconds: i64) -> u32 {
    u32::try_from(seconds.max(0)).unwrap_or(u32::MAX)
}

/// Pruning walks the whole map, so it runs only when the map has doubled
/// since the last prune: amortised O(1) per token.
const PRUNE_FLOOR: usize = 1024;

impl UsedTokens for InMemoryUsedTokens {
    fn first_use(&self, token_id: &str, expires_at: DateTime<Utc>) -> bool {
        // A poisoned lock means another thread panicked mid-insert; the map
        // is still a valid map, so keep using it rather than fail open.
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() >= PRUNE_FLOOR && seen.len().is_power_of_two() {
            // Rounded down, like the expiries up: nothing goes early.
            let now = unix_seconds(Utc::now().timestamp());
            seen.retain(|_, expiry| *expiry >= now);
        }
        match seen.entry(key_of(token_id)) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(expiry_of(expires_at));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn an_id_is_new_only_once() {
        let store = InMemoryUsedTokens::default();
        let expiry = Utc::now() + Duration::minutes(2);
        assert!(store.first_use("a", expiry));
        assert!(!store.first_use("a", expiry));
        assert!(store.first_use("b", expiry));
    }

    #[test]
    fn guid_ids_and_other_ids_are_both_remembered() {
        let store = InMemoryUsedTokens::default();
        let expiry = Utc::now() + Duration::minutes(2);
        let guid = "2f0c7b1e-9a4d-4c64-8f1b-3f0b2b7f9e10";
        assert!(store.first_use(guid, expiry));
        assert!(!store.first_use(guid, expiry));
        assert!(store.first_use("not-a-guid", expiry));
        assert!(!store.first_use("not-a-guid", expiry));
        assert!(store.first_use("not-a-guid-either", expiry));
    }

    #[test]
    fn an_expiry_is_kept_as_the_whole_second_it_falls_in_or_after() {
        let on_the_second = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let within_it = DateTime::from_timestamp(1_800_000_000, 300_000_000).unwrap();
        assert_eq!(expiry_of(on_the_second), 1_800_000_000);
        assert_eq!(expiry_of(within_it), 1_800_000_001);
    }

    #[test]
    fn expired_ids_are_pruned_but_live_ones_are_kept() {
        let store = InMemoryUsedTokens::default();
        let past = Utc::now() - Duration::minutes(1);
        let future = Utc::now() + Duration::minutes(2);
        assert!(store.first_use("live", future));
        for i in 0..PRUNE_FLOOR * 2 {
            store.first_use(&format!("old-{i}"), past);
        }
        assert!(
            !store.first_use("live", future),
            "a live id must survive pruning"
        );
        assert!(store.seen.lock().unwrap().len() < PRUNE_FLOOR * 2);
    }
}
