//! chiso: monthly e-government indicators for Vietnam's ministries and provinces.
//!
//! Data flows one way: sources → `collect` → `store` (ClickHouse) → compute → web / notify.
//! `config` and `domain` are read by all; a module never imports one to its right;
//! `schedule` drives the jobs.

pub mod accounts;
pub mod app;
pub mod charts;
pub mod collect;
pub mod compute;
pub mod config;
pub mod dashboards;
pub mod domain;
pub mod lease;
pub mod logging;
pub mod notify;
pub mod report;
pub mod schedule;
pub mod shutdown;
pub mod simulate;
pub mod store;
pub mod web;

#[cfg(test)]
mod layering;
