//! The store's janitor: forgets what is no longer needed.

use crate::store::Store;
use tracing::Instrument as _;

/// Every hour, forgets expired sessions and login failures older than a day.
pub fn spawn(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(
        async move {
            let mut ticks = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                ticks.tick().await;
                let now = chrono::Utc::now().timestamp();
                if let Err(e) = store.purge_sessions(now).await {
                    tracing::warn!(error = %e, "cannot purge expired sessions");
                }
                if let Err(e) = store.purge_login_failures(now - 86_400).await {
                    tracing::warn!(error = %e, "cannot purge old login failures");
                }
            }
        }
        .in_current_span(),
    )
}
