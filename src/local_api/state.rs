//! What every handler shares: the keys, the token signer, the store and the
//! writer of the state file.

use std::sync::{Arc, RwLock, RwLockReadGuard};

use actix_web::web;

use super::ceremony::RelyingParties;
use super::keys::AppKeys;
use super::problem::Problem;
use super::store::{StateWriter, Store};
use super::tokens::TokenSigner;

pub struct ApiState {
    /// A copy of the store's keys, so checking a header takes no lock.
    pub keys: AppKeys,
    pub signer: TokenSigner,
    pub parties: RelyingParties,
    store: RwLock<Store>,
    /// `None` in memory mode.
    writer: Option<Arc<StateWriter>>,
}

impl ApiState {
    pub fn new(store: Store, writer: Option<StateWriter>) -> Self {
        let keys = store.keys().clone();
        ApiState {
            signer: TokenSigner::new(keys.token_key),
            keys,
            parties: RelyingParties::default(),
            store: RwLock::new(store),
            writer: writer.map(Arc::new),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Store> {
        // A panic elsewhere while holding the lock leaves consistent data
        // (every change is a single insert or remove), so carry on.
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies `change` under the write lock, then writes the state file if
    /// anything changed. The file is written off the async workers.
    pub async fn change<R>(&self, change: impl FnOnce(&mut Store) -> R) -> Result<R, Problem> {
        let (result, snapshot) = {
            let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
            let before = store.generation();
            let result = change(&mut store);
            let snapshot = (self.writer.is_some() && store.generation() != before)
                .then(|| (store.generation(), store.snapshot()));
            (result, snapshot)
        };
        if let (Some(writer), Some((generation, bytes))) = (&self.writer, snapshot) {
            let writer = Arc::clone(writer);
            let written = web::block(move || writer.write(generation, &bytes)).await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    log::error!("{error}");
                    return Err(Problem::internal());
                }
                Err(error) => {
                    log::error!("writing the local API state file did not finish: {error}");
                    return Err(Problem::internal());
                }
            }
        }
        Ok(result)
    }
}
