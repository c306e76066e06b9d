//! `Dataset::grown`: more products for load tests, each sold and mirrored.
#![allow(clippy::unwrap_used)]

use odoo_double::{Dataset, OdooDouble};

#[tokio::test]
async fn a_grown_shop_serves_its_new_products() {
    let base = Dataset::shop();
    let before = base.records_of("product.template").len();
    let grown = base.grown(250);
    assert_eq!(grown.records_of("product.template").len(), before + 250);
    assert_eq!(
        grown.records_of("product.product").len(),
        Dataset::shop().records_of("product.product").len() + 250
    );
    let double = OdooDouble::start(grown).await.unwrap();
    let count = double.with_db(|db| db.ids("product.template").len());
    assert_eq!(count, before + 250);
}
