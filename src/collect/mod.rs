//! Collection: pull (HTTP) or import (CSV) each unit-month, validate it whole,
//! store it as a new version, and record every attempt and rejection.
//! One unit's failure never stops the others.

mod address;
mod csv_import;
mod editor_lines;
mod http;
mod pending;
pub mod plan_import;
mod plan_problem;
mod probe;
mod probe_tls;
mod problem;
mod replay;
mod reply;
mod report;
mod runner;
pub mod service_plan;
mod sink;
mod validate;
mod xlsx;

pub use address::{non_public_kind, RefusedAddress};
pub use csv_import::{
    import_bytes, import_file, ImportError, ImportOutcome, Problem, Scope, Source,
};
pub use http::{backoff, fetch_month, parse_page, Endpoint, FetchError, Fetched};
pub use plan_problem::PlanProblem;
pub use probe::{probe_summary, Prober};
pub use probe_tls::{days_left, ProbeRoots, ProbeTlsError, SeenCertificate};
pub use problem::ProblemKind;
pub use replay::REPLAY_DAYS;
pub use report::{Report, UnitResult};
pub use runner::{Collector, CollectorError};
pub use sink::{rows as stored_rows, Attempt};
pub use validate::{validate, Batch, Completeness, Rejection, ValidMeasure, ValidService};
