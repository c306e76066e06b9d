//! The outbox's worker: delivers the orders Odoo does not have yet (see
//! [`crate::shop::outbox`]), at start (orders taken before a restart), then
//! every so often, or at once when woken.

use std::time::Duration;

use crate::shop::outbox::Outbox;

/// Starts the worker: delivers due orders now, then every `every` or when
/// [`Outbox::wake`] is called, until the task is aborted.
pub fn spawn(outbox: Outbox, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = outbox.run_due().await {
                tracing::error!(error = %e, "the outbox cannot read the store");
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = outbox.woken() => {}
            }
        }
    })
}
