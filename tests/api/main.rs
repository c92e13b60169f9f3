//! Integration tests: the real app on port 0, against a scripted fake of
//! the Passwordless API (wiremock), driven over HTTP like a browser would.

mod helpers;

mod account;
mod health;
mod pages;
mod protection;
mod signin;
mod signup;
mod upstream_faults;
