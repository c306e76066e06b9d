//! The stock's worker: reads again, every so often, how many are left of
//! what the shop shows (see [`crate::shop::stock`]).

use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument as _;

use connector::mirror::Mirror;

use crate::shop::stock::Stock;

/// Starts the worker, when the shop shows stock: refreshes it once the
/// mirror has synced, then every `every`, until the task is aborted.
pub fn spawn(stock: Arc<Stock>, mirror: Arc<Mirror>, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
    if !stock.is_shown() {
        return None;
    }
    Some(tokio::spawn(
        async move {
            loop {
                let snapshot = mirror.snapshot();
                if snapshot.synced_at.is_none() {
                    // Not synced yet: soon again, not a whole period later.
                    tokio::time::sleep(every.min(Duration::from_millis(200))).await;
                    continue;
                }
                if let Err(e) = stock.refresh(mirror.client(), &snapshot).await {
                    tracing::warn!(error = %e, "cannot read the stock from Odoo");
                }
                tokio::time::sleep(every).await;
            }
        }
        .in_current_span(),
    ))
}
