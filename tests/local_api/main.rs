//! Browser-less tests of the local Passwordless API: the contract's shapes,
//! casing, errors and CORS headers, whole WebAuthn ceremonies driven by a
//! software authenticator, and persistence.

mod ceremonies;
mod contract;
mod helpers;
mod persistence;
