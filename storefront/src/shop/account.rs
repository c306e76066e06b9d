//! Accounts: log in with Odoo credentials (`common.authenticate`; customers
//! are portal users), log out, the sign-up request (a `res.partner` tagged
//! "Web shop request" that the staff turn into a portal user). Failed
//! logins are slowed down per account and per address.

use connector::field;
use connector::records::Command;
use connector::xmlrpc::Struct;

use crate::shop::catalog::CatalogIndex;
use crate::shop::Shop;
use crate::store::{SessionRecord, Store};

/// Failed logins of one account allowed before each try must wait.
const FREE_FAILURES_PER_LOGIN: u32 = 3;
/// Failed logins from one address allowed before each try must wait (more:
/// a shop's customers may share an address).
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest wait between tries.
const MAX_WAIT_SECS: i64 = 15 * 60;
/// Sign-up requests accepted per address and hour.
const SIGNUPS_PER_HOUR: u32 = 5;
/// How long a session lasts.
pub const SESSION_DAYS: i64 = 30;
/// The tag of partners created by the sign-up form.
pub const SIGNUP_TAG: &str = "Web shop request";

/// Why a login was refused.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong login or password.
    Refused,
    /// Too many failures: try again after this many seconds.
    Throttled(i64),
    /// The account is not a customer of the shop (an internal user, or not
    /// mirrored yet).
    NotCustomer,
    /// Login or password missing or absurd.
    Invalid,
    /// Odoo could not be asked.
    Unavailable(connector::Error),
    /// The store failed.
    Store(crate::store::StoreError),
}

impl LoginError {
    /// The message key.
    pub fn message_key(&self) -> &'static str {
        match self {
            LoginError::Refused | LoginError::Invalid => "login_failed",
            LoginError::Throttled(_) => "login_throttled",
            LoginError::NotCustomer => "login_not_customer",
            LoginError::Unavailable(_) => "odoo_unavailable",
            LoginError::Store(_) => "server_error",
        }
    }
}

/// How long to wait after `failures` failures, the last at `last`, when
/// `free` are allowed; `None` when a try is allowed at `now`.
fn wait(failures: u32, last: Option<i64>, free: u32, now: i64) -> Option<i64> {
    if failures < free {
        return None;
    }
    let exponent = (failures - free).min(16);
    let wait = (5i64 << exponent).min(MAX_WAIT_SECS);
    let until = last.unwrap_or(0) + wait;
    (until > now).then_some(until - now)
}

/// Checks credentials with Odoo and opens a session; returns the new
/// session id and its record.
/// `address` is the client's, for throttling.
pub async fn log_in(
    shop: &Shop,
    index: &CatalogIndex,
    address: &str,
    login: &str,
    password: &str,
) -> Result<(String, SessionRecord), LoginError> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() || login.len() > 256 || password.len() > 1024 {
        return Err(LoginError::Invalid);
    }
    let now = chrono::Utc::now().timestamp();
    let account_key = format!("login:{}", login.to_lowercase());
    let address_key = format!("ip:{address}");
    let keys = [account_key.as_str(), address_key.as_str()];
    let failures = shop
        .store
        .login_failures(&keys)
        .await
        .map_err(LoginError::Store)?;
    let waits = [
        failures
            .first()
            .and_then(|f| wait(f.failures, f.last_failure, FREE_FAILURES_PER_LOGIN, now)),
        failures
            .get(1)
            .and_then(|f| wait(f.failures, f.last_failure, FREE_FAILURES_PER_ADDRESS, now)),
    ];
    if let Some(seconds) = waits.into_iter().flatten().max() {
        return Err(LoginError::Throttled(seconds));
    }
    // The try is counted as a failure before Odoo is asked, in one atomic
    // step: of tries racing in parallel, only those within the allowance
    // (or the one first after a wait) reach Odoo. A success takes it back.
    let counted = shop
        .store
        .record_login_failure(&keys, now)
        .await
        .map_err(LoginError::Store)?;
    let beyond = |i: usize, free: u32| {
        let before = failures.get(i).map_or(0, |f| f.failures);
        let after = counted.get(i).copied().unwrap_or(u32::MAX);
        // Past the allowance, only the try that found the count as it read
        // it (no other try in between) goes on.
        after > free && after != before.saturating_add(1)
    };
    if beyond(0, FREE_FAILURES_PER_LOGIN) || beyond(1, FREE_FAILURES_PER_ADDRESS) {
        let after = |i: usize| counted.get(i).copied().unwrap_or(0);
        let seconds = [
            wait(after(0), Some(now), FREE_FAILURES_PER_LOGIN, now),
            wait(after(1), Some(now), FREE_FAILURES_PER_ADDRESS, now),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(5);
        return Err(LoginError::Throttled(seconds));
    }
    let uid = match shop.odoo().authenticate(login, password).await {
        Ok(Some(uid)) => uid,
        Ok(None) => {
            tracing::info!(address = %address_key, "a login was refused");
            return Err(LoginError::Refused);
        }
        Err(e) => {
            // Not the customer's failure: taken back.
            for key in keys {
                shop.store
                    .forgive_login_failure(key)
                    .await
                    .map_err(LoginError::Store)?;
            }
            tracing::warn!(error = %e, "cannot check a login with Odoo");
            return Err(LoginError::Unavailable(e));
        }
    };
    // A success: the address's count is taken back (the account's is
    // cleared below, once the customer is known).
    shop.store
        .forgive_login_failure(&address_key)
        .await
        .map_err(LoginError::Store)?;
    let snapshot = &index.snapshot;
    let Some((user, partner)) = snapshot.customer(login).filter(|(u, _)| u.id == uid) else {
        return Err(LoginError::NotCustomer);
    };
    shop.store
        .clear_login_failures(&account_key)
        .await
        .map_err(LoginError::Store)?;
    let id = crate::store::ids::random_id();
    let record = SessionRecord {
        id_hash: crate::store::ids::session_hash(&id),
        user_id: user.id,
        partner_id: partner.id,
        login: user.login.clone(),
        name: partner.name.clone().unwrap_or_else(|| user.login.clone()),
        created_at: now,
        expires_at: now + SESSION_DAYS * 86_400,
    };
    shop.store
        .create_session(&record)
        .await
        .map_err(LoginError::Store)?;
    Ok((id, record))
}

/// Ends session `session_id`, if it is open; returns its hash (what
/// caches of sessions know it by).
pub async fn log_out(shop: &Shop, session_id: &str) -> Result<String, crate::store::StoreError> {
    let hash = crate::store::ids::session_hash(session_id);
    shop.store.delete_session(&hash).await?;
    Ok(hash)
}

/// A sign-up request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupRequest {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone, if given.
    pub phone: Option<String>,
    /// Message, if given.
    pub message: Option<String>,
}

impl SignupRequest {
    /// Checks what was typed; the errors are message keys.
    pub fn parse(
        name: &str,
        email: &str,
        phone: &str,
        message: &str,
    ) -> Result<SignupRequest, Vec<&'static str>> {
        let (name, email, phone, message) = (name.trim(), email.trim(), phone.trim(), message.trim());
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            errors.push("signup_invalid_name");
        }
        if !valid_email(email) {
            errors.push("signup_invalid_email");
        }
        if phone.len() > 32 || !phone.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c)) {
            errors.push("signup_invalid_phone");
        }
        if message.chars().count() > 2000 {
            errors.push("signup_invalid_message");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SignupRequest {
            name: name.to_owned(),
            email: email.to_owned(),
            phone: (!phone.is_empty()).then(|| phone.to_owned()),
            message: (!message.is_empty()).then(|| message.to_owned()),
        })
    }
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
        && !domain.contains('@')
}

/// Creates the partner of a sign-up request in Odoo, tagged
/// [`SIGNUP_TAG`], with an activity for the staff; returns its id.
pub async fn create_signup(
    shop: &Shop,
    request: &SignupRequest,
    lang: &str,
) -> Result<i64, connector::Error> {
    let client = shop.odoo();
    let tags = client
        .model("res.partner.category")
        .search(field("name").eq(SIGNUP_TAG))
        .lang("en_US")
        .limit(1)
        .send()
        .await?;
    let tag = match tags.first() {
        Some(id) => *id,
        None => {
            client
                .model("res.partner.category")
                .create(Struct::new().with("name", SIGNUP_TAG))
                .send()
                .await?
        }
    };
    let mut values = Struct::new()
        .with("name", request.name.as_str())
        .with("email", request.email.as_str())
        .with("lang", lang)
        .with("category_id", vec![Command::Set(vec![tag]).to_value()]);
    if let Some(phone) = &request.phone {
        values.insert("phone", phone.as_str());
    }
    let mut comment = String::from("<p>Web shop sign-up request.</p>");
    if let Some(message) = &request.message {
        comment.push_str("<p>");
        comment.push_str(&crate::i18n::escape_html(message).replace('\n', "<br>"));
        comment.push_str("</p>");
    }
    values.insert("comment", comment);
    let partner = client.model("res.partner").create(values).send().await?;
    shop.informer.tell_signup(partner, &request.name).await;
    Ok(partner)
}

/// Whether another sign-up from `address` is allowed now; counts it.
pub async fn signup_allowed(store: &Store, address: &str) -> Result<bool, crate::store::StoreError> {
    let key = format!("signup:{address}");
    let now = chrono::Utc::now().timestamp();
    let seen = store.login_failures(&[key.as_str()]).await?;
    if let Some(f) = seen.first() {
        if f.last_failure.is_some_and(|last| now - last > 3600) {
            store.clear_login_failures(&key).await?;
        } else if f.failures >= SIGNUPS_PER_HOUR {
            return Ok(false);
        }
    }
    store.record_login_failure(&[key.as_str()], now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_are_capped() {
        assert_eq!(wait(2, Some(100), 3, 100), None);
        assert_eq!(wait(3, Some(100), 3, 100), Some(5));
        assert_eq!(wait(3, Some(100), 3, 105), None);
        assert_eq!(wait(5, Some(100), 3, 100), Some(20));
        assert_eq!(wait(60, Some(100), 3, 100), Some(MAX_WAIT_SECS));
    }

    #[test]
    fn signup_requests_are_checked() {
        assert!(SignupRequest::parse("Ana", "ana@example.com", "+33 6 12", "hi").is_ok());
        assert_eq!(
            SignupRequest::parse("", "nope", "call me", &"x".repeat(2001)).err(),
            Some(vec![
                "signup_invalid_name",
                "signup_invalid_email",
                "signup_invalid_phone",
                "signup_invalid_message"
            ])
        );
        for bad in ["a@b", "@b.c", "a b@c.d", "a@.c", "<a@b.c>", "a@b@c.d"] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn messages_are_escaped_for_odoo() {
        assert_eq!(
            crate::i18n::escape_html("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
