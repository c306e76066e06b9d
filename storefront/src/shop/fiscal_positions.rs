//! The fiscal position a customer's prices are computed with: Odoo's
//! choice for a new quotation of theirs. Without automatic fiscal positions
//! in the database that is the customer's own (`property_account_position_id`,
//! in the snapshot); with some, Odoo decides by the customer's and their
//! delivery address's country, state, zip and VAT, by rules that differ
//! from series to series (and by localisation), so Odoo is asked
//! ([`connector::orders::fiscal_position_of`]), once per customer and
//! snapshot, and the answer kept a while.

use std::time::Duration;

use connector::mirror::Snapshot;
use connector::Client;

/// How long a customer's fiscal position is reused within one snapshot.
const KEEP: Duration = Duration::from_secs(600);
/// How long a page waits for Odoo's answer before pricing with the
/// customer's own fiscal position (the checkout asks again).
const WAIT: Duration = Duration::from_secs(3);

/// The fiscal positions of customers, as Odoo last said.
#[derive(Debug, Clone)]
pub struct FiscalPositions {
    /// By (partner, snapshot revision).
    known: moka::future::Cache<(i64, u64), Option<i64>>,
}

impl Default for FiscalPositions {
    fn default() -> Self {
        Self {
            known: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(KEEP)
                .build(),
        }
    }
}

impl FiscalPositions {
    /// The fiscal position of customer `partner_id` (whose own is `own`) for
    /// a page: kept, else asked (briefly); if Odoo does not answer in time,
    /// their own, not kept.
    pub async fn of(
        &self,
        client: &Client,
        snapshot: &Snapshot,
        partner_id: i64,
        own: Option<i64>,
    ) -> Option<i64> {
        if !snapshot.has_automatic_fiscal_positions() {
            return own;
        }
        if let Some(known) = self.known.get(&(partner_id, snapshot.revision)).await {
            return known;
        }
        match tokio::time::timeout(WAIT, self.ask(client, snapshot, partner_id)).await {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                tracing::warn!(partner = partner_id, error = %e, "cannot ask Odoo for a customer's fiscal position: their own meanwhile");
                own
            }
            Err(_) => {
                tracing::warn!(
                    partner = partner_id,
                    "Odoo is slow to give a customer's fiscal position: their own meanwhile"
                );
                own
            }
        }
    }

    /// Asks Odoo now (the checkout does, before taking an order), and keeps
    /// the answer. A fiscal position the snapshot does not have yet (made
    /// since the last sync) cannot price anything: an error until the next
    /// sync brings it.
    pub async fn ask(
        &self,
        client: &Client,
        snapshot: &Snapshot,
        partner_id: i64,
    ) -> Result<Option<i64>, connector::Error> {
        let found = connector::orders::fiscal_position_of(client, &snapshot.series, partner_id).await?;
        if let Some(id) = found.filter(|id| !snapshot.fiscal_positions.iter().any(|p| p.id == *id)) {
            return Err(connector::Error::Config(format!(
                "Odoo gives partner {partner_id} fiscal position {id}, which the shop has not mirrored yet"
            )));
        }
        self.known.insert((partner_id, snapshot.revision), found).await;
        Ok(found)
    }
}
