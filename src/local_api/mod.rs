//! The local Passwordless API (being written).
