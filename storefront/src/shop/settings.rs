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
    /// How customers and staff are told, through Odoo.
    pub inform: InformSettings,
    /// Buying together by the case.
    pub cases: CaseSettings,
}

/// Buying together by the case (see [`crate::shop::cases`]).
#[derive(Debug, Clone)]
pub struct CaseSettings {
    /// `SHOP_SHARED_CASES`: which products are sold by the shared case:
    /// `tag:<product tag>` (its first packaging of more than one unit is
    /// the case) or `packaging:<packaging name>`; `off` (default): none.
    pub rule: Option<connector::cases::CaseRule>,
    /// `SHOP_SHARED_CUTOFF`: when a round of cases closes, weekly, in the
    /// shop's time zone, e.g. `tue 20:00` (default: the next pickup
    /// slot's cut-off).
    pub cutoff: Option<(chrono::Weekday, chrono::NaiveTime)>,
    /// `SHOP_SHARED_SHORT`: what becomes of a case not filled at the
    /// cut-off: `drop` (default) or `complete`.
    pub short: ShortCase,
    /// `SHOP_SHARED_PARTNER`: the partner (by id) whose quotation takes what
    /// is missing of a case when the shop completes it; required with
    /// `complete`.
    pub partner: Option<i64>,
    /// `SHOP_SHARED_SUMMARY`: `on` (default): once a round's full cases are
    /// ordered, the staff get an activity listing them (what to order from
    /// the wholesaler, who takes what), on `SHOP_SHARED_PARTNER`, else on
    /// the company's partner; `off`.
    pub summary: bool,
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            rule: None,
            cutoff: None,
            short: ShortCase::Drop,
            partner: None,
            summary: true,
        }
    }
}

/// What becomes of a case not filled at the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShortCase {
    /// Nothing is ordered; the members are told.
    #[default]
    Drop,
    /// The shop takes what is missing (on [`CaseSettings::partner`]'s
    /// quotation), and every member's share is ordered.
    Complete,
}

/// How the shop tells its customers and staff, through Odoo alone (see
/// [`crate::shop::inform`]).
#[derive(Debug, Clone)]
pub struct InformSettings {
    /// `SHOP_ORDER_MAIL`: `on` (default): once Odoo has an order, it mails
    /// the customer a confirmation; `off`.
    pub order_mail: bool,
    /// `SHOP_ORDER_MAIL_TEMPLATE`: the mail template, by XML id (e.g.
    /// `sale.mail_template_sale_confirmation`) or database id (default:
    /// Odoo's own order confirmation).
    pub order_mail_template: Option<String>,
    /// `SHOP_STAFF`: who gets the staff's activities: `user:<login or id>`,
    /// `team:<sales team name or id>` (its leader, else its first member)
    /// (default: the technical user's sales team).
    pub staff: connector::inform::Staff,
    /// `SHOP_ORDER_ACTIVITY`: `on` (default): a new web order gets an
    /// activity for the staff; `off`.
    pub order_activity: bool,
    /// `SHOP_ORDER_ACTIVITY_SUMMARY`: its summary, where `{slot}` and
    /// `{place}` are replaced (default: "Web order to
    /// prepare for {slot}", in the shop's first language).
    pub order_activity_summary: Option<String>,
    /// `SHOP_ORDER_ACTIVITY_DAYS_BEFORE`: it is due this many days before
    /// the pickup day (default 0: on the day).
    pub order_activity_days_before: u32,
    /// `SHOP_SIGNUP_ACTIVITY`: `on` (default): a sign-up request gets an
    /// activity on the new partner; `off`.
    pub signup_activity: bool,
    /// `SHOP_SIGNUP_ACTIVITY_DAYS`: due this many days after the request
    /// (default 1).
    pub signup_activity_days: u32,
    /// `SHOP_READY_TAG`: a tag (`crm.tag`) by which the staff mark an
    /// order ready for pickup, e.g. `Prêt` (default: none; a validated
    /// delivery says it).
    pub ready_tag: Option<String>,
    /// `SHOP_COLLECTED_TAG`: a tag by which the staff mark an order
    /// collected (default: none; a payment at the till says it).
    pub collected_tag: Option<String>,
    /// `SHOP_SHOW_STOCK`: `off` (default), `low` or `exact`.
    pub show_stock: StockDisplay,
    /// `SHOP_LOW_STOCK`: below this many, `low` says how many are left
    /// (default 5).
    pub low_stock: Decimal,
    /// `SHOP_WAREHOUSE`: the warehouse whose free stock is shown, by name
    /// or id (default: the company's first).
    pub warehouse: Option<String>,
}

impl Default for InformSettings {
    fn default() -> Self {
        Self {
            order_mail: true,
            order_mail_template: None,
            staff: connector::inform::Staff::OwnTeam,
            order_activity: true,
            order_activity_summary: None,
            order_activity_days_before: 0,
            signup_activity: true,
            signup_activity_days: 1,
            ready_tag: None,
            collected_tag: None,
            show_stock: StockDisplay::Off,
            low_stock: Decimal::from(5),
            warehouse: None,
        }
    }
}

/// How much of the stock the shop shows. Never a refusal: stock in Odoo is
/// often not right, and the shop confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockDisplay {
    /// Nothing.
    Off,
    /// "Only 3 left" under [`InformSettings::low_stock`], and "out of
    /// stock: order anyway, the shop will confirm".
    Low,
    /// How many are left, always.
    Exact,
}
