//! `chiso import FILE.csv`: a unit's file, validated like a pull.

use std::path::Path;
use std::process::ExitCode;

use chiso::app::App;
use chiso::collect::import_file;
use chiso::store::{AuditEvent, AuditKind};

pub async fn data(app: &App, file: &Path, dry_run: bool) -> anyhow::Result<ExitCode> {
    let out = import_file(file, &app.registry, &app.catalogue, &app.store, dry_run).await?;
    if !dry_run {
        let event = AuditEvent::new(AuditKind::Import, "", &file.display().to_string());
        let detail = format!("{}; {} line errors", out.report, out.line_errors.len());
        app.store.audit_or_warn(&event.with_detail(detail)).await;
    }
    for m in &out.matches {
        println!("matched by name: {m}");
    }
    for e in &out.line_errors {
        println!("error: {e}");
    }
    println!("{}", out.report);
    Ok(super::exit_code(
        out.report.all_succeeded() && out.line_errors.is_empty(),
    ))
}
