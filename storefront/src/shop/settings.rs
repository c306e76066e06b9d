//! What the shop shows and sells: its name, how it shows taxes, its
//! minimum order, its pickup rules. Read from the environment by
//! [`crate::app::settings`].

use rust_decimal::Decimal;

/// How taxes are shown in prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxDisplay {
    /// Prices with taxes (shops selling to consumers).
    Included,
    /// Prices without taxes (shops selling to businesses).
    Excluded,
}

/// What the shop shows and sells.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    /// `SHOP_NAME`: the shop's name (default: the Odoo company's).
    pub name: Option<String>,
    /// `SHOP_HOME_TEXT`: the home page's text.
    pub home_text: String,
    /// `SHOP_TAX_DISPLAY`: `included` (default) or `excluded`.
    pub tax_display: TaxDisplay,
    /// `SHOP_MINIMUM_ORDER`: the smallest order, in the shop's currency, as
    /// displayed (default 10.00).
    pub minimum_order: Decimal,
    /// `SHOP_DEFAULT_PRICELIST`: the id of the pricelist of customers who
    /// have none (default: the first pricelist).
    pub default_pricelist: Option<i64>,
    /// `SHOP_COMPANY`: the Odoo company the shop is, by id or name
    /// (default: the technical user's current company).
    pub company: Option<connector::CompanyChoice>,
    /// `SHOP_TIMEZONE`: the shop's time zone, for pickup windows (default
    /// `Europe/Paris`).
    pub time_zone: chrono_tz::Tz,
    /// `SHOP_PICKUP_CATEGORY`: the calendar event category of pickup slots
    /// (default `Pickup`).
    pub pickup_category: String,
    /// `SHOP_PICKUP_CUTOFF_HOURS`: orders for a slot close this many hours
    /// before it starts (default 12).
    pub pickup_cutoff_hours: u32,
    /// `SHOP_PICKUP_HORIZON_DAYS`: slots are offered this many days ahead
    /// (default 14).
    pub pickup_horizon_days: u32,
    /// `SHOP_PICKUP_CAPACITY`: orders per slot when its description has no
    /// `Capacity: N` line (default: unlimited).
    pub pickup_capacity: Option<u32>,
    /// `SHOP_PASSWORD_RESET_URL`: where "forgot password" leads (default:
    /// Odoo's `/web/reset_password` at `ODOO_URL`).
    pub password_reset_url: String,
    /// `SHOP_DEMO_LOGINS`: logins and passwords shown on the home page
    /// (`login:password,...`; for the demo only).
    pub demo_logins: Vec<(String, String)>,
}
