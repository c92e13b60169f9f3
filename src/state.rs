//! What handlers share across workers. The per-worker Passwordless client
//! is registered separately, because an awc client cannot cross threads.

use std::sync::Arc;

use chrono::Utc;

use crate::replay::UsedTokens;
use crate::templates::ClientConfig;
use crate::verify::Expected;

pub struct AppState {
    /// `scheme://host[:port]` people browse to.
    pub origin: String,
    pub rp_id: String,
    /// What pages hand to the official client JS.
    pub client: ClientConfig,
    pub used_tokens: Arc<dyn UsedTokens>,
}

impl AppState {
    /// What every verify token must match, as of now.
    pub fn expected(&self) -> Expected<'_> {
        Expected {
            origin: &self.origin,
            rp_id: &self.rp_id,
            now: Utc::now(),
        }
    }
}
