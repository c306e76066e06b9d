//! The outbox's worker: delivers the orders Odoo does not have yet (see
//! [`crate::shop::outbox`]), at start (orders taken before a restart), then
//! every so often, or at once when woken; then tells the customers and the
//! staff of the orders Odoo has (see [`crate::shop::inform`]).

use std::time::Duration;
use tracing::Instrument as _;

use crate::shop::inform::Informer;
use crate::shop::outbox::Outbox;

/// Starts the worker: delivers due orders and tells of those delivered now,
/// then every `every` or when [`Outbox::wake`] is called, until the task
/// is aborted.
pub fn spawn(outbox: Outbox, informer: Informer, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(
        async move {
            loop {
                if let Err(e) = outbox.run_due().await {
                    tracing::error!(error = %e, "the outbox cannot read the store");
                }
                if let Err(e) = informer.run_due().await {
                    tracing::error!(error = %e, "the outbox cannot read the store to tell of orders");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = outbox.woken() => {}
                }
            }
        }
        .in_current_span(),
    )
}
