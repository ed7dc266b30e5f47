//! From due mails to ledger keys: which keys to try now, new ones recorded
//! `pending` first (so the plan outlives a crash), and keys planned earlier
//! that are no longer due settled as such (so none stays pending forever).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;

use super::fence::LedgerWriter;
use super::ledger::{self, Decision};
use super::report::RemindReport;
use super::rules::Intent;
use super::NotifyError;
use crate::app::App;
use crate::lease::LeaseError;
use crate::store::LedgerRow;

/// A key to try now: the mail `mail` of intent `intent`, with its current row.
#[derive(Debug, Clone)]
pub struct Planned {
    pub intent: usize,
    pub mail: usize,
    pub row: LedgerRow,
}

/// Keys to try now, with their current row; new keys are recorded pending
/// first (not in a dry run), and keys not due any more are settled.
pub(super) async fn plan(
    app: &App,
    writer: &mut LedgerWriter<'_>,
    intents: &[Intent],
    period: &str,
    dry_run: bool,
    report: &mut RemindReport,
) -> Result<Vec<Planned>, NotifyError> {
    let current: HashMap<String, LedgerRow> = app
        .store
        .ledger(period)
        .await?
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    let now = Utc::now();
    let (mut todo, mut new_rows) = (Vec::new(), Vec::new());
    let mut due_keys = BTreeSet::new();
    for (idx, intent) in intents.iter().enumerate() {
        for (m, mail) in intent.mails.iter().enumerate() {
            report.due += 1;
            let unit = intent.unit.as_deref();
            let key =
                ledger::key_of_round(intent.rule, unit, period, mail.key_address(), intent.round);
            due_keys.insert(key.clone());
            let row = current.get(&key);
            let planned = |row: LedgerRow| Planned {
                intent: idx,
                mail: m,
                row,
            };
            match ledger::decide(row, now) {
                Decision::New => {
                    let row = ledger::pending(key, intent.rule, unit, period, &mail.display(), now);
                    new_rows.push(row.clone());
                    todo.push(planned(row));
                }
                Decision::Retry => todo.extend(row.cloned().map(planned)),
                Decision::Wait => report.waiting += 1,
                Decision::Done => report.already_sent += 1,
                Decision::GivenUp => report.given_up += 1,
            }
        }
    }
    let stale: Vec<&LedgerRow> = current
        .values()
        .filter(|r| !due_keys.contains(&r.key) && ledger::settles_when_not_due(r.state))
        .collect();
    report.no_longer_due = stale.len();
    if dry_run {
        return Ok(todo);
    }
    for row in stale {
        let settled = writer.record(ledger::no_longer_due(row, now)).await?;
        tracing::info!(key = %settled.key, "mail no longer due: settled, not sent");
    }
    if !writer.is_fenced() {
        app.store.record_sends(&new_rows).await?;
        return Ok(todo);
    }
    // Each first row is granted on its own: another writer's pending row
    // of the same key is then read back rather than overwritten.
    let mut granted = Vec::with_capacity(todo.len());
    for mut p in todo {
        if new_rows.iter().any(|n| n.key == p.row.key) {
            p.row = match writer.record(p.row.clone()).await {
                Ok(r) => r,
                Err(NotifyError::Lease(LeaseError::Conflict { .. })) => {
                    writer.current(&p.row).await?
                }
                Err(e) => return Err(e),
            };
        }
        granted.push(p);
    }
    Ok(granted)
}
