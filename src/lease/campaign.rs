//! The campaign: a session, an ephemeral sequential node under
//! `{root}/election`, and then either the lease (the lowest node; the epoch
//! bumped) or a watch on the node just below. A disconnection gives the lease
//! up at once (the session may be expiring: jobs stop rather than risk two
//! leaders); a reconnection within the session takes it again with a new
//! epoch; an expired session starts over with a new one.

use std::time::Duration;

use zookeeper_client as zk;

use super::{Leadership, Lease, Term};

/// Wait before a new session after one ended or could not start.
const RETRY: Duration = Duration::from_secs(1);

pub(super) async fn run(lease: Lease, hosts: String) {
    loop {
        let reason = match session(&lease, &hosts).await {
            Ok(reason) => reason,
            Err(e) => format!("ZooKeeper {hosts}: {e}"),
        };
        lease.set(Leadership::Unavailable { reason });
        tokio::time::sleep(RETRY).await;
    }
}

/// Within the session timeout, or an error naming what did not answer.
async fn bounded<T>(
    lease: &Lease,
    what: &str,
    work: impl std::future::Future<Output = Result<T, zk::Error>>,
) -> Result<T, String> {
    match tokio::time::timeout(lease.inner.timeout * 2, work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!(
            "{what}: no answer within {} s",
            (lease.inner.timeout * 2).as_secs()
        )),
    }
}

/// One session's life; returns why it ended.
async fn session(lease: &Lease, hosts: &str) -> Result<String, String> {
    let client = bounded(
        lease,
        "connect",
        zk::Client::connector()
            .with_session_timeout(lease.inner.timeout)
            .connect(hosts),
    )
    .await?;
    let persistent = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
    for dir in ["election", "ledger"] {
        let path = lease.path(dir);
        bounded(
            lease,
            "create chiso's nodes",
            client.mkdir(&path, &persistent),
        )
        .await?;
    }
    let epoch_path = lease.path("epoch");
    let epoch_node = client.create(&epoch_path, b"", &persistent);
    match tokio::time::timeout(lease.inner.timeout * 2, epoch_node).await {
        Ok(Ok(_)) | Ok(Err(zk::Error::NodeExists)) => {}
        Ok(Err(e)) => return Err(format!("create the epoch node: {e}")),
        Err(_) => return Err("create the epoch node: no answer".into()),
    }
    let ephemeral = zk::CreateMode::EphemeralSequential.with_acls(zk::Acls::anyone_all());
    let prefix = lease.path("election/n-");
    let (_, seq) = bounded(
        lease,
        "join the election",
        client.create(&prefix, lease.instance().as_bytes(), &ephemeral),
    )
    .await?;
    let mine = format!("n-{seq}");
    let node = format!("{prefix}{seq}");
    lease.set_member(&client, &node);
    let mut states = client.state_watcher();
    loop {
        let mut children = bounded(
            lease,
            "list the election",
            client.list_children(&lease.path("election")),
        )
        .await?;
        children.sort_by_key(|c| sequence(c));
        let Some(place) = children.iter().position(|c| *c == mine) else {
            return Ok("this instance's election node is gone (session expired)".into());
        };
        if place == 0 {
            let epoch = take_epoch(lease, &client, &node).await?;
            lease.set_term(Term {
                client: client.clone(),
                node: node.clone(),
                epoch,
            });
            lease.set(Leadership::Leader {
                epoch: u64::try_from(epoch).unwrap_or(0),
            });
            let (_, own) =
                bounded(lease, "watch the lease", client.check_and_watch_stat(&node)).await?;
            tokio::select! {
                _ = own.changed() => {
                    lease.set(Leadership::Unavailable { reason: "this instance's election node was deleted".into() });
                }
                state = states.changed() => {
                    if let Some(end) = after_change(lease, &mut states, state).await {
                        return Ok(end);
                    }
                }
            }
        } else {
            lease.set(Leadership::Follower);
            let above = lease.path(&format!("election/{}", children[place - 1]));
            let (stat, watch) = bounded(
                lease,
                "watch the leader",
                client.check_and_watch_stat(&above),
            )
            .await?;
            if stat.is_none() {
                continue;
            }
            tokio::select! {
                _ = watch.changed() => {}
                state = states.changed() => {
                    if let Some(end) = after_change(lease, &mut states, state).await {
                        return Ok(end);
                    }
                }
            }
        }
    }
}

/// After a session state change: `None` to look at the election again
/// (connected again), `Some(why)` when the session is over. While
/// disconnected, this instance holds no lease.
async fn after_change(
    lease: &Lease,
    states: &mut zk::StateWatcher,
    mut state: zk::SessionState,
) -> Option<String> {
    loop {
        match state {
            zk::SessionState::SyncConnected => return None,
            s if s.is_terminated() => return Some(format!("ZooKeeper session {s:?}")),
            _ => lease.set(Leadership::Unavailable {
                reason: "ZooKeeper unreachable; the lease may be expiring".into(),
            }),
        }
        state = states.changed().await;
    }
}

/// Bumps `{root}/epoch` while this instance's node exists: its new version
/// is this leader's epoch, above every earlier leader's.
async fn take_epoch(lease: &Lease, client: &zk::Client, node: &str) -> Result<i32, String> {
    let mut multi = client.new_multi_writer();
    let epoch_path = lease.path("epoch");
    multi
        .add_check_version(node, 0)
        .and_then(|_| multi.add_set_data(&epoch_path, lease.instance().as_bytes(), None))
        .map_err(|e| format!("take the epoch: {e}"))?;
    let results = bounded(lease, "take the epoch", async {
        multi.commit().await.map_err(zk::Error::from)
    })
    .await?;
    match results.last() {
        Some(zk::MultiWriteResult::SetData { stat }) => Ok(stat.version),
        other => Err(format!("take the epoch: unexpected answer {other:?}")),
    }
}

/// `n-0000000042` → 42; foreign names last.
fn sequence(name: &str) -> i64 {
    name.rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn election_nodes_order_by_their_sequence() {
        let mut names = vec!["n-0000000010", "x", "n-0000000009", "n-0000000100"];
        names.sort_by_key(|n| super::sequence(n));
        assert_eq!(names, ["n-0000000009", "n-0000000010", "n-0000000100", "x"]);
    }
}
