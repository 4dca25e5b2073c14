//! fugong's one integration-test binary (one link instead of one per file).
//!
//! Tests that touch a database are written once as `async fn name(app: TestApp)` and
//! registered with `both!(name)`, which runs them on a fresh SQLite file and on a fresh
//! PostgreSQL database (when `FUGONG_TEST_POSTGRES_URL` is set).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod harness;
mod webdriver;

mod access;
mod accounts;
mod browser;
mod cli;
mod config;
mod demo;
mod enterprises;
mod i18n;
mod liaison;
mod liaison_suggest;
mod migrations;
mod request_desk;
mod requests;
mod scope_fixture;
mod scope_matrix;
mod shell;
mod workforce;
mod workforce_binary;
mod workforce_pages;
mod workforce_probes;
