//! What a remind run did (`RemindReport`), as `chiso remind` prints it and
//! the audit log records it.

use std::fmt;

/// What a run did, as `chiso remind` prints it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemindReport {
    pub month: String,
    pub dry_run: bool,
    /// Mails due this run (one per key).
    pub due: usize,
    /// Accepted by the server now (or written, in a dry run).
    pub sent: usize,
    pub already_sent: usize,
    /// Failed earlier, waiting for their backoff to pass.
    pub waiting: usize,
    /// Given up earlier (`chiso outbox`).
    pub given_up: usize,
    /// Planned earlier, not sent, and no longer due now (the unit reported,
    /// a later round took over): settled, never sent.
    pub no_longer_due: usize,
    /// `key: reply` of tries that failed now, to be retried later.
    pub retry_later: Vec<String>,
    /// `key: reply` of keys given up now.
    pub failed: Vec<String>,
    /// Mails that could not be built (template, recipient): `key: message`.
    pub errors: Vec<String>,
    /// Why the run stopped before the end of its batch (server unreachable).
    pub stopped: Option<String>,
}

impl RemindReport {
    pub fn all_succeeded(&self) -> bool {
        self.retry_later.is_empty()
            && self.failed.is_empty()
            && self.errors.is_empty()
            && self.stopped.is_none()
    }
}

impl fmt::Display for RemindReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run { "written" } else { "sent" };
        for line in self
            .retry_later
            .iter()
            .map(|l| ("retry later", l))
            .chain(self.failed.iter().map(|l| ("failed", l)))
            .chain(self.errors.iter().map(|l| ("error", l)))
        {
            writeln!(f, "{}: {}", line.0, line.1)?;
        }
        if let Some(s) = &self.stopped {
            writeln!(f, "stopped: {s}")?;
        }
        write!(
            f,
            "month {}: {verb} {} of {} due; {} already sent, {} waiting to retry, {} to retry later, {} failed now, {} failed earlier",
            self.month,
            self.sent,
            self.due,
            self.already_sent,
            self.waiting,
            self.retry_later.len(),
            self.failed.len(),
            self.given_up
        )?;
        if self.no_longer_due > 0 {
            write!(f, "; {} no longer due", self.no_longer_due)?;
        }
        Ok(())
    }
}
