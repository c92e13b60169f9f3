//! Users, credentials and aliases of the one local app, and the file they
//! are kept in.
//!
//! The data lives in memory behind a lock; after each change a snapshot is
//! written to the state file atomically (temporary file in the same
//! directory, fsync, rename), so a crash leaves either the old or the new
//! file, never half of one. Read-only requests never write.
//!
//! One process at a time: each writes its whole snapshot, so two sharing a
//! file would undo each other's changes. The writer holds a lock on a file
//! next to the state file for as long as it lives.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use webauthn_rs_core::proto::Credential;

use super::keys::AppKeys;

/// A stored passkey: the verified key material plus what the API reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCredential {
    pub user_id: String,
    /// webauthn-rs' record: id, public key, counter, backup flags.
    pub credential: Credential,
    /// The COSE_Key bytes as the authenticator sent them.
    #[serde(with = "standard_base64")]
    pub public_key: Vec<u8>,
    pub attestation_fmt: String,
    pub aa_guid: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub rp_id: String,
    pub origin: String,
    pub country: String,
    pub device: String,
    pub nickname: Option<String>,
    pub is_discoverable: Option<bool>,
}

impl StoredCredential {
    pub fn id(&self) -> &[u8] {
        self.credential.cred_id.as_ref()
    }
}

/// An alias row: the hash is the key, the plaintext is kept only unhashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAlias {
    pub hash: String,
    pub user_id: String,
    pub plaintext: Option<String>,
}

/// An alias as the backend hands it over for storage.
#[derive(Debug, Clone)]
pub struct NewAlias {
    pub alias: String,
    pub hashing: bool,
}

/// Another user already owns one of the aliases.
#[derive(Debug, PartialEq, Eq)]
pub struct AliasConflict;

/// The credential id is already registered in this app.
#[derive(Debug, PartialEq, Eq)]
pub struct DuplicateCredential;

/// What the state file holds.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    version: u32,
    keys: AppKeys,
    credentials: Vec<StoredCredential>,
    aliases: Vec<StoredAlias>,
}

const STATE_VERSION: u32 = 1;

/// The in-memory data with the indexes the endpoints need.
pub struct Store {
    keys: AppKeys,
    credentials: HashMap<Vec<u8>, StoredCredential>,
    /// userId to its credential ids, in registration order.
    by_user: HashMap<String, Vec<Vec<u8>>>,
    aliases: HashMap<String, StoredAlias>,
    /// Bumped on every change so the writer can drop stale snapshots.
    generation: u64,
}

/// `base64(SHA-256(UTF-8(appId + alias)))`, the key the real service stores.
pub fn hash_alias(app_id: &str, alias: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(app_id.as_bytes());
    hasher.update(alias.as_bytes());
    STANDARD.encode(hasher.finalize())
}

impl Store {
    pub fn new(keys: AppKeys) -> Self {
        Store {
            keys,
            credentials: HashMap::new(),
            by_user: HashMap::new(),
            aliases: HashMap::new(),
            generation: 0,
        }
    }

    pub fn keys(&self) -> &AppKeys {
        &self.keys
    }

    /// Takes new keys. Alias hashes include the app id, so when it changes
    /// the aliases kept in plaintext are hashed again; returns how many
    /// aliases were kept hashed only and so can no longer be matched.
    pub fn set_keys(&mut self, keys: AppKeys) -> usize {
        let app_changed = keys.app_id != self.keys.app_id;
        self.keys = keys;
        if !app_changed {
            return 0;
        }
        let rows = std::mem::take(&mut self.aliases);
        let mut lost = 0;
        for (hash, mut row) in rows {
            match &row.plaintext {
                Some(alias) => {
                    row.hash = hash_alias(&self.keys.app_id, alias);
                    self.aliases.insert(row.hash.clone(), row);
                }
                None => {
                    lost += 1;
                    self.aliases.insert(hash, row);
                }
            }
        }
        self.generation += 1;
        lost
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn credential(&self, id: &[u8]) -> Option<&StoredCredential> {
        self.credentials.get(id)
    }

    pub fn credentials_of(&self, user_id: &str) -> impl Iterator<Item = &StoredCredential> {
        self.by_user
            .get(user_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.credentials.get(id))
    }

    /// The owner of an alias, matched exactly (no trimming, no case folding).
    pub fn alias_owner(&self, alias: &str) -> Option<&str> {
        let hash = hash_alias(&self.keys.app_id, alias);
        self.aliases.get(&hash).map(|row| row.user_id.as_str())
    }

    /// Whether any of `aliases` belongs to a user other than `user_id`.
    pub fn conflicts(&self, user_id: &str, aliases: &[String]) -> bool {
        aliases.iter().any(|alias| {
            self.alias_owner(alias)
                .is_some_and(|owner| owner != user_id)
        })
    }

    pub fn aliases_of(&self, user_id: &str) -> Vec<&StoredAlias> {
        let mut rows: Vec<&StoredAlias> = self
            .aliases
            .values()
            .filter(|row| row.user_id == user_id)
            .collect();
        rows.sort_by(|a, b| a.hash.cmp(&b.hash));
        rows
    }

    /// Replaces the whole alias set of `user_id`, or changes nothing on conflict.
    pub fn replace_aliases(
        &mut self,
        user_id: &str,
        aliases: &[NewAlias],
    ) -> Result<(), AliasConflict> {
        let app_id = self.keys.app_id.clone();
        let rows: Vec<StoredAlias> = aliases
            .iter()
            .map(|new| StoredAlias {
                hash: hash_alias(&app_id, &new.alias),
                user_id: user_id.to_owned(),
                plaintext: (!new.hashing).then(|| new.alias.clone()),
            })
            .collect();
        let taken = rows.iter().any(|row| {
            self.aliases
                .get(&row.hash)
                .is_some_and(|existing| existing.user_id != user_id)
        });
        if taken {
            return Err(AliasConflict);
        }
        self.aliases.retain(|_, row| row.user_id != user_id);
        for row in rows {
            self.aliases.insert(row.hash.clone(), row);
        }
        self.generation += 1;
        Ok(())
    }

    pub fn insert_credential(
        &mut self,
        credential: StoredCredential,
    ) -> Result<(), DuplicateCredential> {
        let id = credential.id().to_vec();
        if self.credentials.contains_key(&id) {
            return Err(DuplicateCredential);
        }
        self.by_user
            .entry(credential.user_id.clone())
            .or_default()
            .push(id.clone());
        self.credentials.insert(id, credential);
        self.generation += 1;
        Ok(())
    }

    /// Applies `change` to a stored credential; false when it is gone.
    pub fn update_credential(
        &mut self,
        id: &[u8],
        change: impl FnOnce(&mut StoredCredential),
    ) -> bool {
        let Some(credential) = self.credentials.get_mut(id) else {
            return false;
        };
        change(credential);
        self.generation += 1;
        true
    }

    /// Deletes one credential whoever owns it; false when there was none.
    pub fn delete_credential(&mut self, id: &[u8]) -> bool {
        let Some(credential) = self.credentials.remove(id) else {
            return false;
        };
        if let Some(ids) = self.by_user.get_mut(&credential.user_id) {
            ids.retain(|other| other != id);
            if ids.is_empty() {
                self.by_user.remove(&credential.user_id);
            }
        }
        self.generation += 1;
        true
    }

    /// Deletes the user's credentials and aliases; false when there were none.
    pub fn delete_user(&mut self, user_id: &str) -> bool {
        let ids = self.by_user.remove(user_id).unwrap_or_default();
        let had_credentials = !ids.is_empty();
        for id in ids {
            self.credentials.remove(&id);
        }
        let before = self.aliases.len();
        self.aliases.retain(|_, row| row.user_id != user_id);
        let changed = had_credentials || before != self.aliases.len();
        if changed {
            self.generation += 1;
        }
        changed
    }

    /// Users with credentials.
    pub fn user_count(&self) -> usize {
        self.by_user.len()
    }

    /// Every userId with credentials or aliases, sorted.
    pub fn user_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .by_user
            .keys()
            .map(String::as_str)
            .chain(self.aliases.values().map(|row| row.user_id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The whole state as the bytes of the state file.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut credentials: Vec<StoredCredential> = self.credentials.values().cloned().collect();
        credentials.sort_by_key(|c| c.created_at);
        let mut aliases: Vec<StoredAlias> = self.aliases.values().cloned().collect();
        aliases.sort_by(|a, b| a.hash.cmp(&b.hash));
        let file = StateFile {
            version: STATE_VERSION,
            keys: self.keys.clone(),
            credentials,
            aliases,
        };
        // Plain data with string keys always serialises.
        serde_json::to_vec_pretty(&file).unwrap_or_default()
    }

    fn from_file(file: StateFile) -> Self {
        let mut store = Store::new(file.keys);
        let mut credentials = file.credentials;
        credentials.sort_by_key(|c| c.created_at);
        for credential in credentials {
            // A duplicate id in a hand-edited file keeps the first one.
            let _ = store.insert_credential(credential);
        }
        for alias in file.aliases {
            store.aliases.insert(alias.hash.clone(), alias);
        }
        store.generation = 0;
        store
    }
}

/// Why the state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error(
        "cannot read the local API state file {path}: {source}. \
         Fix its permissions, or set LOCAL_API_STATE to another file or to `memory`"
    )]
    Unreadable { path: PathBuf, source: io::Error },
    #[error(
        "the local API state file {path} is not valid ({reason}). It was left as it is: \
         repair it, or move it away to start with no users (this forgets the local \
         passkeys), or set LOCAL_API_STATE=memory"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "cannot write the local API state file {path}: {source}. \
         Check the directory is writable, or set LOCAL_API_STATE=memory"
    )]
    Unwritable { path: PathBuf, source: io::Error },
    #[error(
        "the local API state file {path} is in use by another running local API \
         (`cargo run` or `cargo run --bin local-api`, perhaps in another terminal). \
         Stop that one, or set LOCAL_API_STATE to another file or to `memory`"
    )]
    InUse { path: PathBuf },
}

/// Reads the state file; `Ok(None)` when it does not exist yet.
pub fn load(path: &Path) -> Result<Option<Store>, StateFileError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateFileError::Unreadable {
                path: path.to_owned(),
                source,
            });
        }
    };
    let corrupt = |reason: String| StateFileError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if file.version != STATE_VERSION {
        return Err(corrupt(format!(
            "version {} is not the supported version {STATE_VERSION}",
            file.version
        )));
    }
    Ok(Some(Store::from_file(file)))
}

/// Writes snapshots to the state file, newest wins.
pub struct StateWriter {
    path: PathBuf,
    /// The generation last written, so an older snapshot that lost a race is skipped.
    written: Mutex<Option<u64>>,
    /// Held, never read: the lock goes when the writer does, or with the
    /// process, so a crash leaves nothing to clean up.
    _lock: Option<fs::File>,
}

impl StateWriter {
    /// Takes the state file for this process, or says who has it.
    pub fn open(path: PathBuf) -> Result<StateWriter, StateFileError> {
        let lock = lock_beside(&path)?;
        Ok(StateWriter {
            path,
            written: Mutex::new(None),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` (the snapshot of `generation`) unless a newer one is already on disk.
    pub fn write(&self, generation: u64, bytes: &[u8]) -> Result<(), StateFileError> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if written.is_some_and(|done| done >= generation) {
            return Ok(());
        }
        write_atomically(&self.path, bytes).map_err(|source| StateFileError::Unwritable {
            path: self.path.clone(),
            source,
        })?;
        *written = Some(generation);
        Ok(())
    }
}

/// Locks `<state file>.lock` rather than the state file itself, which every
/// write replaces with a new file: a lock on the old one would guard nothing.
fn lock_beside(path: &Path) -> Result<Option<fs::File>, StateFileError> {
    let unwritable = |source| StateFileError::Unwritable {
        path: path.to_owned(),
        source,
    };
    let (dir, file_name) = dir_and_name(path);
    fs::create_dir_all(&dir).map_err(unwritable)?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(dir.join(format!("{file_name}.lock")))
        .map_err(unwritable)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Err(StateFileError::InUse {
            path: path.to_owned(),
        }),
        // Some file systems have no locks; the file still works, unguarded.
        Err(fs::TryLockError::Error(error)) => {
            log::warn!(
                "cannot lock {}.lock ({error}): a second local API on the same state file \
                 would not be stopped",
                path.display()
            );
            Ok(None)
        }
    }
}

fn dir_and_name(path: &Path) -> (PathBuf, String) {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".to_owned());
    (dir, file_name)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (dir, file_name) = dir_and_name(path);
    fs::create_dir_all(&dir)?;
    // Same directory, so the rename stays on one file system and is atomic.
    let temp = dir.join(format!(".{file_name}.{}.tmp", Uuid::new_v4().simple()));
    let result = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        // The file holds the API secret: readable by its owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        // Persist the rename itself; not every platform can open a directory.
        if let Ok(dir) = fs::File::open(&dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

mod standard_base64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(text: &str) -> NewAlias {
        NewAlias {
            alias: text.to_owned(),
            hashing: true,
        }
    }

    #[test]
    fn alias_hashes_are_standard_base64_of_sha256_over_app_id_and_alias() {
        let hash = hash_alias("local", "alice");
        assert_eq!(hash.len(), 44);
        assert_ne!(hash, hash_alias("local", "Alice"));
    }

    #[test]
    fn another_users_alias_is_a_conflict_and_changes_nothing() {
        let mut store = Store::new(AppKeys::generate());
        store.replace_aliases("u1", &[alias("alice")]).unwrap();
        assert_eq!(
            store.replace_aliases("u2", &[alias("bob"), alias("alice")]),
            Err(AliasConflict)
        );
        assert_eq!(store.alias_owner("bob"), None);
        assert_eq!(store.alias_owner("alice"), Some("u1"));
    }

    #[test]
    fn replacing_aliases_drops_the_old_set() {
        let mut store = Store::new(AppKeys::generate());
        store
            .replace_aliases("u1", &[alias("a"), alias("b")])
            .unwrap();
        store.replace_aliases("u1", &[alias("c")]).unwrap();
        assert_eq!(store.alias_owner("a"), None);
        assert_eq!(store.alias_owner("c"), Some("u1"));
    }

    #[test]
    fn a_state_file_that_is_not_json_is_reported_as_corrupt() {
        let dir = std::env::temp_dir().join(format!("local-api-{}", Uuid::new_v4()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        fs::write(&path, b"{ not json").unwrap();
        assert!(matches!(load(&path), Err(StateFileError::Corrupt { .. })));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_state_file_has_one_writer_until_that_writer_is_gone() {
        let dir = std::env::temp_dir().join(format!("local-api-{}", Uuid::new_v4()));
        let path = dir.join("state.json");

        let first = StateWriter::open(path.clone()).unwrap();
        let second = StateWriter::open(path.clone());
        drop(first);
        let third = StateWriter::open(path.clone());

        assert!(matches!(second, Err(StateFileError::InUse { .. })));
        assert!(third.is_ok());
        drop(third);
        fs::remove_dir_all(dir).unwrap();
    }
}
