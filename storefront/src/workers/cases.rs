//! The shared cases' worker: shows the progress of each case (other
//! instances' shares included) and settles the rounds past their cut-off
//! (see [`crate::shop::cases`]).

use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument as _;

use crate::shop::Shop;

/// Starts the worker, when the shop sells by the shared case: every
/// `every`, or at once when a round is closed early, until aborted. `shop`
/// finds the shop in what owns it.
pub fn spawn<T: Send + Sync + 'static>(
    owner: Arc<T>,
    shop: fn(&T) -> &Shop,
    every: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if !shop(&owner).cases.is_on() {
        return None;
    }
    Some(tokio::spawn(
        async move {
            loop {
                let shop = shop(&owner);
                if shop.mirror.snapshot().synced_at.is_none() {
                    // Not synced yet: soon again, not a whole period later.
                    tokio::time::sleep(every.min(Duration::from_millis(200))).await;
                    continue;
                }
                if let Err(e) = shop.cases.refresh(shop).await {
                    tracing::warn!(error = %e, "cannot read the shared cases");
                }
                if let Err(e) = crate::shop::cases::settle_due(shop).await {
                    tracing::warn!(error = %e, "cannot settle the rounds of shared cases");
                }
                shop.cases.woken(every).await;
            }
        }
        .in_current_span(),
    ))
}
