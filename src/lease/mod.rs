//! One leader across hosts (issue 13 §2; docs/leader.md): the only Rust that
//! speaks ZooKeeper. Every `chiso serve` of a cluster campaigns for the
//! lease, an ephemeral sequential node under `{root}/election`; the lowest
//! node leads. On taking the lease the leader bumps `{root}/epoch`: its new
//! version is the leader's epoch, the fencing token every send-ledger
//! transition carries. A claim (`commit_claim`) is a ZooKeeper `multi` that
//! checks the leader's own election node and the epoch, so ZooKeeper itself
//! refuses a deposed leader's write. Without `[coordination] zookeeper`,
//! `Lease::single` leads alone and claims nothing (single-host mode).

mod campaign;
mod claim;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use zookeeper_client as zk;

use crate::config::CoordinationSettings;

pub use claim::{Claim, ClaimName};

/// `host:pid`: this instance, in `job_runs.host`, logs, probes and the lease.
pub fn instance_name() -> String {
    format!("{}:{}", host_name(), std::process::id())
}

/// The machine's name; Linux keeps it under /proc.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether this instance runs the jobs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leadership {
    /// Single-host mode: no ZooKeeper; jobs run here under per-host locks.
    Single,
    /// Holds the lease: runs the jobs; its ledger writes carry `epoch`.
    Leader { epoch: u64 },
    /// Another instance holds the lease; this one serves pages only.
    Follower,
    /// ZooKeeper unreachable or the session lost: no jobs here until it is back.
    Unavailable { reason: String },
}

impl Leadership {
    /// True when this instance may run jobs.
    pub fn leads(&self) -> bool {
        matches!(self, Leadership::Single | Leadership::Leader { .. })
    }

    /// The epoch of the lease held, 0 in single-host mode or when not leading.
    pub fn epoch(&self) -> u64 {
        match self {
            Leadership::Leader { epoch } => *epoch,
            _ => 0,
        }
    }

    /// `single`, `leader`, `follower` or `unavailable`, for probes and metrics.
    pub fn role(&self) -> &'static str {
        match self {
            Leadership::Single => "single",
            Leadership::Leader { .. } => "leader",
            Leadership::Follower => "follower",
            Leadership::Unavailable { .. } => "unavailable",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// ZooKeeper refused the write: this instance does not hold the lease.
    #[error("ledger write refused by ZooKeeper: this instance (epoch {epoch}) no longer holds the lease: {reason}")]
    Refused { epoch: u64, reason: String },
    /// Another writer changed the claim since it was read.
    #[error("claim {name} changed since it was read (another writer)")]
    Conflict { name: String },
    /// No answer, or an answer that says nothing about the lease.
    #[error("zookeeper: {what}: {reason}")]
    Unavailable { what: &'static str, reason: String },
}

/// The lease a grant writes under: the session, its own election node, the
/// epoch it took. Kept after the lease is lost, so a write attempted then
/// reaches ZooKeeper and is refused there (never guessed here).
#[derive(Clone)]
struct Term {
    client: zk::Client,
    node: String,
    epoch: i32,
}

struct Inner {
    instance: String,
    root: String,
    timeout: Duration,
    state: watch::Sender<Leadership>,
    term: Mutex<Option<Term>>,
    /// The current session and its election node, leading or not.
    member: Mutex<Option<(zk::Client, String)>>,
    campaign: Mutex<Option<tokio::task::AbortHandle>>,
}

/// Cheap to clone: the server, the scheduler and each remind run hold one.
#[derive(Clone)]
pub struct Lease {
    inner: Arc<Inner>,
}

impl Lease {
    /// Single-host mode: always leading, epoch 0, no ZooKeeper.
    pub fn single(instance: &str) -> Self {
        Self::new(
            instance,
            "/chiso",
            Duration::from_secs(10),
            Leadership::Single,
        )
    }

    /// Cluster mode when `settings` names an ensemble (campaigning from now
    /// on, in a task of the current runtime), else single-host mode.
    pub fn from_settings(settings: &CoordinationSettings, instance: &str) -> Self {
        if !settings.is_cluster() {
            return Self::single(instance);
        }
        let lease = Self::new(
            instance,
            &settings.root,
            Duration::from_secs(settings.session_timeout_secs),
            Leadership::Unavailable {
                reason: "connecting to ZooKeeper".into(),
            },
        );
        let task = tokio::spawn(campaign::run(
            lease.clone(),
            settings.zookeeper.trim().to_string(),
        ));
        if let Ok(mut slot) = lease.inner.campaign.lock() {
            *slot = Some(task.abort_handle());
        }
        lease
    }

    fn new(instance: &str, root: &str, timeout: Duration, state: Leadership) -> Self {
        Self {
            inner: Arc::new(Inner {
                instance: instance.to_string(),
                root: root.to_string(),
                timeout,
                state: watch::channel(state).0,
                term: Mutex::new(None),
                member: Mutex::new(None),
                campaign: Mutex::new(None),
            }),
        }
    }

    /// `host:pid` of this process, as `job_runs.host` names it.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    pub fn is_cluster(&self) -> bool {
        *self.inner.state.borrow() != Leadership::Single
    }

    pub fn leadership(&self) -> Leadership {
        self.inner.state.borrow().clone()
    }

    /// Follows every change of leadership.
    pub fn subscribe(&self) -> watch::Receiver<Leadership> {
        self.inner.state.subscribe()
    }

    /// Ends the campaign and closes the session: ZooKeeper deletes the
    /// election node at once, so another instance takes over without
    /// waiting out the session (a clean stop).
    pub async fn resign(&self) {
        if let Ok(mut slot) = self.inner.campaign.lock() {
            if let Some(task) = slot.take() {
                task.abort();
            }
        }
        // A follower's node too: a process about to exit may not close its
        // session in time, and its node would stand ahead of the others.
        let member = self.inner.member.lock().ok().and_then(|mut m| m.take());
        if let Some((client, node)) = member {
            let _ = tokio::time::timeout(self.inner.timeout, client.delete(&node, None)).await;
        }
        if let Ok(mut term) = self.inner.term.lock() {
            term.take();
        }
        if self.is_cluster() {
            self.set(Leadership::Unavailable {
                reason: "stopped".into(),
            });
        }
    }

    fn set(&self, state: Leadership) {
        self.inner.state.send_if_modified(|now| {
            if *now == state {
                return false;
            }
            match &state {
                Leadership::Leader { epoch } => {
                    tracing::info!(instance = %self.inner.instance, epoch, "this instance holds the lease: it runs the jobs")
                }
                Leadership::Follower => {
                    tracing::info!(instance = %self.inner.instance, "another instance holds the lease: this one serves pages only")
                }
                Leadership::Unavailable { reason } => {
                    tracing::warn!(instance = %self.inner.instance, %reason, "no lease: this instance runs no jobs")
                }
                Leadership::Single => {}
            }
            *now = state.clone();
            true
        });
    }

    fn set_member(&self, client: &zk::Client, node: &str) {
        if let Ok(mut slot) = self.inner.member.lock() {
            *slot = Some((client.clone(), node.to_string()));
        }
    }

    fn set_term(&self, term: Term) {
        if let Ok(mut slot) = self.inner.term.lock() {
            *slot = Some(term);
        }
    }

    /// The epoch of the last lease this instance held, even if lost since:
    /// the epoch its next claim is checked against.
    pub fn held_epoch(&self) -> Option<u64> {
        self.term().map(|t| u64::try_from(t.epoch).unwrap_or(0))
    }

    fn term(&self) -> Option<Term> {
        self.inner.term.lock().ok().and_then(|t| t.clone())
    }

    fn path(&self, tail: &str) -> String {
        format!("{}/{tail}", self.inner.root)
    }
}
