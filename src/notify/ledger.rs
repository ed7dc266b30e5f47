//! Exactly-once bookkeeping over `send_ledger`: one key per (rule, unit,
//! period, recipient), a Message-ID fixed by the key, and the state machine
//! pending → sending → sent | failed (docs/alerts.md). Pure: the rows come in,
//! the next rows go out; `store` writes them.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::store::{LedgerRow, RuleKind, SendState};

/// `lagging/01/2021-06/a@b.vn`; the digest's unit is `-`.
pub fn key(rule: RuleKind, unit: Option<&str>, period: &str, recipient: &str) -> String {
    format!(
        "{}/{}/{}/{}",
        rule.as_str(),
        unit.unwrap_or("-"),
        period,
        recipient.to_lowercase()
    )
}

/// The key of a reminder's `round`: round 0 is `key` as it always was (so
/// ledgers written before rounds stay valid), later rounds end in `/r{round}`.
pub fn key_of_round(
    rule: RuleKind,
    unit: Option<&str>,
    period: &str,
    recipient: &str,
    round: u32,
) -> String {
    let base = key(rule, unit, period, recipient);
    match round {
        0 => base,
        r => format!("{base}/r{r}"),
    }
}

/// `<first 32 hex digits of sha256(key)@chiso.invalid>`: the same key always
/// gives the same Message-ID, so a mail re-sent after an unknown outcome is
/// recognisable (and dropped by clients that deduplicate) as the same mail.
pub fn message_id(key: &str) -> String {
    let hex: String = Sha256::digest(key.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("<{hex}@chiso.invalid>")
}

/// What a run does with a due key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Never seen: record it pending, then send.
    New,
    /// Pending and past its backoff, or found `sending` (a crash after the
    /// hand-over): send again, same Message-ID.
    Retry,
    /// Pending, its backoff not over.
    Wait,
    /// Sent: never again.
    Done,
    /// Given up after max_tries: listed by `chiso outbox`, not retried.
    GivenUp,
}

pub fn decide(current: Option<&LedgerRow>, now: DateTime<Utc>) -> Decision {
    match current {
        None => Decision::New,
        Some(r) => match r.state {
            SendState::Sent => Decision::Done,
            SendState::Failed => Decision::GivenUp,
            // Due again after it was settled (a report withdrawn): as pending.
            SendState::Sending | SendState::NoLongerDue => Decision::Retry,
            SendState::Pending if r.next_try_at > now => Decision::Wait,
            SendState::Pending => Decision::Retry,
        },
    }
}

/// A key's first row.
pub fn pending(
    key: String,
    rule: RuleKind,
    unit: Option<&str>,
    period: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> LedgerRow {
    LedgerRow {
        message_id: message_id(&key),
        key,
        rule,
        unit_code: unit.unwrap_or_default().to_string(),
        period: period.to_string(),
        recipient: recipient.to_string(),
        state: SendState::Pending,
        tries: 0,
        last_reply: String::new(),
        next_try_at: now,
        updated_at: now,
        version: micros(now),
        epoch: 0,
    }
}

/// `sending`: written before the SMTP call, counting the try.
pub fn sending(prev: &LedgerRow, now: DateTime<Utc>) -> LedgerRow {
    LedgerRow {
        state: SendState::Sending,
        tries: prev.tries.saturating_add(1),
        ..successor(prev, now)
    }
}

/// `sent`, with the server's acceptance reply.
pub fn sent(prev: &LedgerRow, reply: &str, now: DateTime<Utc>) -> LedgerRow {
    LedgerRow {
        state: SendState::Sent,
        last_reply: reply.to_string(),
        ..successor(prev, now)
    }
}

/// A key not sent that stopped being due (the unit reported, a later round
/// took over): settled, never tried again unless it becomes due again.
pub fn no_longer_due(prev: &LedgerRow, now: DateTime<Utc>) -> LedgerRow {
    LedgerRow {
        state: SendState::NoLongerDue,
        last_reply: "no longer due".to_string(),
        ..successor(prev, now)
    }
}

/// Whether a key in `state` that is not due now should be settled as no
/// longer due: pending and sending keys (a `sending` one's outcome is
/// unknown, and it will not be tried again); sent and failed keys stay.
pub fn settles_when_not_due(state: SendState) -> bool {
    matches!(state, SendState::Pending | SendState::Sending)
}

/// After a failed try: pending again with the backoff (`backoff_secs`, doubled
/// for each earlier try), or failed once `max_tries` are spent.
pub fn failed_try(
    prev: &LedgerRow,
    reply: &str,
    max_tries: u16,
    backoff_secs: u64,
    now: DateTime<Utc>,
) -> LedgerRow {
    let exponent = u32::from(prev.tries.saturating_sub(1)).min(16);
    let wait = backoff_secs.saturating_mul(1u64 << exponent);
    let wait = Duration::seconds(
        i64::try_from(wait)
            .unwrap_or(i64::MAX / 1_000_000)
            .min(365 * 86_400),
    );
    LedgerRow {
        state: if prev.tries >= max_tries {
            SendState::Failed
        } else {
            SendState::Pending
        },
        last_reply: reply.to_string(),
        next_try_at: now + wait,
        ..successor(prev, now)
    }
}

fn successor(prev: &LedgerRow, now: DateTime<Utc>) -> LedgerRow {
    LedgerRow {
        updated_at: now,
        version: micros(now).max(prev.version + 1),
        ..prev.clone()
    }
}

fn micros(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_micros()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_625_500_000 + secs, 0).unwrap()
    }

    #[test]
    fn the_message_id_is_fixed_by_the_key() {
        let k = key(RuleKind::Lagging, Some("01"), "2021-06", "A@Units.invalid");
        assert_eq!(k, "lagging/01/2021-06/a@units.invalid");
        let r = |n| {
            key_of_round(
                RuleKind::Lagging,
                Some("01"),
                "2021-06",
                "A@Units.invalid",
                n,
            )
        };
        assert_eq!((r(0), r(2)), (k.clone(), format!("{k}/r2")));
        assert_eq!(message_id(&k), message_id(&k.clone()));
        assert_ne!(
            message_id(&k),
            message_id("lagging/02/2021-06/a@units.invalid")
        );
        let id = message_id(&k);
        assert!(
            id.starts_with('<') && id.ends_with("@chiso.invalid>") && id.len() == 48,
            "{id}"
        );
    }

    #[test]
    fn a_key_moves_pending_sending_sent_and_is_then_done() {
        let p = pending(
            "k".into(),
            RuleKind::Digest,
            None,
            "2021-06",
            "s@m.invalid",
            at(0),
        );
        assert_eq!(decide(Some(&p), at(0)), Decision::Retry);
        let s = sending(&p, at(0));
        assert_eq!((s.state, s.tries), (SendState::Sending, 1));
        assert!(s.version > p.version);
        // Found `sending` at start: unknown outcome, sent again with the same id.
        assert_eq!(decide(Some(&s), at(5)), Decision::Retry);
        let done = sent(&s, "250 OK", at(1));
        assert_eq!(decide(Some(&done), at(100)), Decision::Done);
        assert_eq!(done.message_id, p.message_id);
    }

    #[test]
    fn failures_back_off_doubling_then_give_up() {
        let p = pending(
            "k".into(),
            RuleKind::Digest,
            None,
            "2021-06",
            "s@m.invalid",
            at(0),
        );
        let s1 = sending(&p, at(0));
        let f1 = failed_try(&s1, "421 busy", 3, 60, at(0));
        assert_eq!((f1.state, f1.next_try_at), (SendState::Pending, at(60)));
        assert_eq!(decide(Some(&f1), at(59)), Decision::Wait);
        assert_eq!(decide(Some(&f1), at(60)), Decision::Retry);
        let f2 = failed_try(&sending(&f1, at(60)), "421 busy", 3, 60, at(60));
        assert_eq!(f2.next_try_at, at(180));
        let f3 = failed_try(&sending(&f2, at(180)), "550 no", 3, 60, at(180));
        assert_eq!(
            (f3.state, f3.tries, f3.last_reply.as_str()),
            (SendState::Failed, 3, "550 no")
        );
        assert_eq!(decide(Some(&f3), at(10_000)), Decision::GivenUp);
    }
}
