//! One file per verb of the `chiso` command; `main.rs` parses and dispatches.

pub mod args;
pub mod collect;
pub mod compute;
pub mod dashboards;
pub mod import;
pub mod migrate;
pub mod outbox;
pub mod plans;
mod print;
pub mod remind;
pub mod report;
pub mod runs;
pub mod serve;
pub mod simulate;
pub mod targets;
pub mod users;

use std::process::ExitCode;

/// Success or failure as the shell sees it.
pub fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
