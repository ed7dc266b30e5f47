//! Claims: small nodes under `{root}/ledger`, one per mail key, written only
//! in a `multi` with the lease's checks. ZooKeeper applies all of it or none:
//! a write whose election node is gone (session expired) or whose epoch was
//! overtaken (a newer leader) is refused by the server, whatever this
//! process believes about itself.

use zookeeper_client as zk;

use super::{Lease, LeaseError};

/// A claim node's name: letters and digits only (a key's Message-ID digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimName(String);

impl ClaimName {
    /// `None` unless `name` is 1–64 ASCII letters and digits.
    pub fn new(name: &str) -> Option<Self> {
        (!name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A claim as read: its data and its ZooKeeper version (for the next write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub data: Vec<u8>,
    pub version: i32,
}

impl Lease {
    /// The claim `name`, if any was written.
    pub async fn read_claim(&self, name: &ClaimName) -> Result<Option<Claim>, LeaseError> {
        let Some(term) = self.term() else {
            return Err(self.never_held());
        };
        let path = self.path(&format!("ledger/{}", name.as_str()));
        let read = tokio::time::timeout(self.inner.timeout, term.client.get_data(&path)).await;
        match read {
            Ok(Ok((data, stat))) => Ok(Some(Claim {
                data,
                version: stat.version,
            })),
            Ok(Err(zk::Error::NoNode)) => Ok(None),
            Ok(Err(zk::Error::SessionExpired)) => Err(self.refused(&term, "session expired")),
            Ok(Err(e)) => Err(self.after_loss(&term, "read a ledger claim", e).await),
            Err(_) => Err(self.timed_out("read a ledger claim")),
        }
    }

    /// Writes claim `name` as `data`, creating it when `expected` is `None`,
    /// else only over that version; granted only while this instance's
    /// election node exists and `{root}/epoch` is still its epoch.
    /// Returns the epoch the write was granted under.
    pub async fn commit_claim(
        &self,
        name: &ClaimName,
        data: &[u8],
        expected: Option<i32>,
    ) -> Result<u64, LeaseError> {
        let Some(term) = self.term() else {
            return Err(self.never_held());
        };
        let path = self.path(&format!("ledger/{}", name.as_str()));
        let epoch_path = self.path("epoch");
        let persistent = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
        let mut multi = term.client.new_multi_writer();
        let built = multi
            .add_check_version(&term.node, 0)
            .and_then(|_| multi.add_check_version(&epoch_path, term.epoch))
            .and_then(|_| match expected {
                None => multi.add_create(&path, data, &persistent),
                Some(v) => multi.add_set_data(&path, data, Some(v)),
            });
        if let Err(e) = built {
            return Err(LeaseError::Unavailable {
                what: "build a ledger claim",
                reason: e.to_string(),
            });
        }
        let done = tokio::time::timeout(self.inner.timeout, multi.commit()).await;
        let epoch = u64::try_from(term.epoch).unwrap_or(0);
        match done {
            Ok(Ok(_)) => Ok(epoch),
            Ok(Err(zk::MultiWriteError::OperationFailed { index: 0, source })) => Err(self
                .refused(
                    &term,
                    &format!("its election node is gone ({source}): the session expired"),
                )),
            Ok(Err(zk::MultiWriteError::OperationFailed { index: 1, source })) => {
                Err(self.refused(&term, &format!("a newer leader took the epoch ({source})")))
            }
            Ok(Err(zk::MultiWriteError::OperationFailed { .. })) => Err(LeaseError::Conflict {
                name: name.as_str().to_string(),
            }),
            Ok(Err(zk::MultiWriteError::RequestFailed { source })) => match source {
                zk::Error::SessionExpired | zk::Error::ClientClosed => {
                    Err(self.refused(&term, &format!("{source}")))
                }
                other => Err(self.after_loss(&term, "write a ledger claim", other).await),
            },
            Err(_) => Err(self.timed_out("write a ledger claim")),
        }
    }

    /// A request lost with its connection: once the client knows whether the
    /// session survived, `Refused` if ZooKeeper ended it (a paused process
    /// finds this on waking), else `Unavailable` (the claim may or may not
    /// be written; the next run reads it back).
    async fn after_loss(
        &self,
        term: &super::Term,
        what: &'static str,
        error: zk::Error,
    ) -> LeaseError {
        let mut states = term.client.state_watcher();
        let mut state = states.state();
        let settled = tokio::time::timeout(self.inner.timeout, async {
            while state == zk::SessionState::Disconnected {
                state = states.changed().await;
            }
            state
        })
        .await;
        match settled {
            Ok(s) if s.is_terminated() => {
                self.refused(term, &format!("{error}, then the session ended ({s:?})"))
            }
            _ => LeaseError::Unavailable {
                what,
                reason: error.to_string(),
            },
        }
    }

    fn refused(&self, term: &super::Term, reason: &str) -> LeaseError {
        LeaseError::Refused {
            epoch: u64::try_from(term.epoch).unwrap_or(0),
            reason: reason.to_string(),
        }
    }

    fn never_held(&self) -> LeaseError {
        LeaseError::Refused {
            epoch: 0,
            reason: "this instance never held the lease".into(),
        }
    }

    fn timed_out(&self, what: &'static str) -> LeaseError {
        LeaseError::Unavailable {
            what,
            reason: format!("no answer within {} s", self.inner.timeout.as_secs()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClaimName;

    #[test]
    fn a_claim_name_is_letters_and_digits() {
        assert!(ClaimName::new("0a1b2c").is_some());
        for bad in ["", "../x", "a/b", "a b", &"a".repeat(65)] {
            assert!(ClaimName::new(bad).is_none(), "{bad}");
        }
    }
}
