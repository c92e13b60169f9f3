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

pub trait UsedTokens: Send + Sync {
    /// Records `token_id` and says whether this is its first use. The id may
    /// be forgotten once `expires_at` has passed, since the API refuses the
    /// token from then on anyway.
    fn first_use(&self, token_id: &str, expires_at: DateTime<Utc>) -> bool;
}

/// A map of token id to expiry, pruned as it grows.
#[derive(Debug, Default)]
pub struct InMemoryUsedTokens {
    seen: Mutex<HashMap<String, DateTime<Utc>>>,
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
            let now = Utc::now();
            seen.retain(|_, expiry| *expiry > now);
        }
        if seen.contains_key(token_id) {
            return false;
        }
        seen.insert(token_id.to_owned(), expires_at);
        true
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
