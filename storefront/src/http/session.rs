//! Sessions and CSRF tokens.
//!
//! Every visitor gets a session cookie holding a random id and its HMAC
//! (`<id>.<mac>`, HttpOnly, SameSite=Lax, Secure over HTTPS): a forged or
//! altered cookie is simply a new visitor. The CSRF token of a session is
//! derived from its id with the same key, so it needs no storage and changes
//! whenever the session does (at login and logout). A logged-in customer's
//! session is a row of the store, keyed by the SHA-256 of the id, so that
//! logging out ends it everywhere the cookie was copied to.

use std::path::Path;

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sf_session";
/// The language cookie's name (not secret: it only picks a language).
pub const LANG_COOKIE: &str = "sf_lang";

type HmacSha256 = Hmac<Sha256>;

/// The key that signs session cookies and derives CSRF tokens.
#[derive(Clone)]
pub struct SessionKey {
    key: [u8; 32],
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// A key from a secret (any length; hashed to 32 bytes).
    pub fn from_secret(secret: &str) -> Self {
        Self {
            key: Sha256::digest(secret.as_bytes()).into(),
        }
    }

    /// The key kept in `dir/session.key`, created (random, readable by the
    /// owner only) the first time, so sessions survive restarts.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let file = dir.join("session.key");
        if let Ok(text) = std::fs::read_to_string(&file) {
            let text = text.trim();
            anyhow::ensure!(
                text.len() >= 32,
                "{} is too short: delete it to get a new one",
                file.display()
            );
            return Ok(Self::from_secret(text));
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let secret = crate::store::ids::random_id();
        write_private(&file, &secret).with_context(|| format!("cannot write {}", file.display()))?;
        Ok(Self::from_secret(&secret))
    }

    fn mac(&self, purpose: &str, data: &str) -> HmacSha256 {
        // A key of any length is accepted by HMAC: this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(data.as_bytes());
        mac
    }

    /// The cookie value of session `id`.
    pub fn sign(&self, id: &str) -> String {
        let tag = self.mac("session", id).finalize().into_bytes();
        format!("{id}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The session id of a cookie value, if its signature holds.
    pub fn verify(&self, cookie: &str) -> Option<String> {
        let (id, tag) = cookie.split_once('.')?;
        if id.len() != 43
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac("session", id).verify_slice(&tag).ok()?;
        Some(id.to_owned())
    }

    /// The CSRF token of session `id`: the first 128 bits of its HMAC
    /// (22 characters: every form of a page carries it, and 2^128 guesses
    /// are out of reach).
    pub fn csrf_token(&self, id: &str) -> String {
        let tag = self.mac("csrf", id).finalize().into_bytes();
        URL_SAFE_NO_PAD.encode(&tag[..CSRF_TAG_BYTES])
    }

    /// Whether `token` is the CSRF token of session `id` (constant time).
    pub fn check_csrf(&self, id: &str, token: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(token.trim()) {
            Ok(tag) if tag.len() == CSRF_TAG_BYTES => {
                self.mac("csrf", id).verify_truncated_left(&tag).is_ok()
            }
            _ => false,
        }
    }
}

/// A session id, and what is derived from it when first needed: its CSRF
/// token (pages and calls with a form need it), and the hash of its row in
/// the store.
#[derive(Debug)]
pub struct Session {
    id: String,
    key: [u8; 32],
    csrf_token: std::cell::OnceCell<String>,
    hash: std::cell::OnceCell<String>,
}

impl Session {
    /// The session of `id` under `key`.
    pub fn new(key: &SessionKey, id: String) -> Self {
        Self {
            id,
            key: key.key,
            csrf_token: std::cell::OnceCell::new(),
            hash: std::cell::OnceCell::new(),
        }
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its CSRF token ([`SessionKey::csrf_token`]), derived once.
    pub fn csrf_token(&self) -> &str {
        self.csrf_token
            .get_or_init(|| SessionKey { key: self.key }.csrf_token(&self.id))
    }

    /// The hash its row in the store is kept by ([`crate::store::ids::session_hash`]).
    pub fn hash(&self) -> &str {
        self.hash
            .get_or_init(|| crate::store::ids::session_hash(&self.id))
    }
}

/// Sessions whose cookie this thread verified, at most.
const VERIFIED_PER_THREAD: usize = 4096;

thread_local! {
    /// The cookies this worker thread verified, and their sessions: a
    /// customer's next requests cost a lookup, not an HMAC, a hash and
    /// allocations. Only a cookie whose signature held is kept, under the
    /// key that signed it; ending a session ends its row in the store,
    /// which every request still reads (cached for seconds).
    static VERIFIED: std::cell::RefCell<std::collections::HashMap<Box<str>, std::rc::Rc<Session>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

impl SessionKey {
    /// The session of a cookie value, if its signature holds: from this
    /// thread's cookies already verified, else verified and kept.
    pub fn open(&self, cookie: &str) -> Option<std::rc::Rc<Session>> {
        let kept = VERIFIED.with_borrow(|verified| {
            verified
                .get(cookie)
                .filter(|session| same_key(&session.key, &self.key))
                .cloned()
        });
        if kept.is_some() {
            return kept;
        }
        let session = std::rc::Rc::new(Session::new(self, self.verify(cookie)?));
        VERIFIED.with_borrow_mut(|verified| {
            if verified.len() >= VERIFIED_PER_THREAD {
                verified.clear();
            }
            verified.insert(cookie.into(), session.clone());
        });
        Some(session)
    }
}

fn same_key(a: &[u8; 32], b: &[u8; 32]) -> bool {
    crate::store::ids::same_secret(a, b)
}

/// The value of cookie `name` in a request's `Cookie` headers, read
/// without parsing (nor copying) the others.
pub fn cookie_value<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> Option<&'a str> {
    let name = name.as_bytes();
    headers
        .get_all(actix_web::http::header::COOKIE)
        .flat_map(|h| h.as_bytes().split(|b| *b == b';'))
        .find_map(|pair| {
            let pair = pair.trim_ascii_start();
            let value = pair.strip_prefix(name)?.trim_ascii_start().strip_prefix(b"=")?;
            let value = value.trim_ascii();
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value);
            std::str::from_utf8(value).ok()
        })
}

/// The bytes of HMAC a CSRF token keeps.
const CSRF_TAG_BYTES: usize = 16;

fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The `Set-Cookie` of a session.
pub fn session_cookie(value: String, secure: bool, persistent: bool) -> actix_web::cookie::Cookie<'static> {
    let mut cookie = actix_web::cookie::Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish();
    if persistent {
        cookie.set_max_age(actix_web::cookie::time::Duration::days(
            crate::shop::account::SESSION_DAYS,
        ));
    }
    cookie
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signed_ids_verify_and_forgeries_do_not() {
        let key = SessionKey::from_secret("a secret of at least thirty-two chars");
        let id = crate::store::ids::random_id();
        assert_eq!(id.len(), 43);
        let cookie = key.sign(&id);
        assert_eq!(key.verify(&cookie).as_deref(), Some(id.as_str()));
        let other = SessionKey::from_secret("another secret of thirty-two characters");
        assert_eq!(other.verify(&cookie), None);
        let mut tampered = cookie.clone();
        tampered.replace_range(0..1, if cookie.starts_with('A') { "B" } else { "A" });
        assert_eq!(key.verify(&tampered), None);
        for junk in ["", ".", "abc", "abc.def", &format!("{id}."), &format!("{id}.!!!")] {
            assert_eq!(key.verify(junk), None, "{junk}");
        }
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let key = SessionKey::from_secret("a secret of at least thirty-two chars");
        let (a, b) = (crate::store::ids::random_id(), crate::store::ids::random_id());
        let token = key.csrf_token(&a);
        assert!(key.check_csrf(&a, &token));
        assert!(!key.check_csrf(&b, &token));
        assert!(!key.check_csrf(&a, ""));
        assert!(!key.check_csrf(&a, "not base64 ☃"));
        assert_eq!(token.len(), 22);
        // A shorter prefix of the tag is not enough.
        assert!(!key.check_csrf(&a, &token[..11]));
    }

    #[test]
    fn sessions_are_opened_once_per_thread_and_only_with_their_key() {
        let key = SessionKey::from_secret("a secret of at least thirty-two chars");
        let id = crate::store::ids::random_id();
        let cookie = key.sign(&id);
        let first = key.open(&cookie).unwrap();
        assert_eq!(first.id(), id);
        assert_eq!(first.csrf_token(), key.csrf_token(&id));
        assert_eq!(first.hash(), crate::store::ids::session_hash(&id));
        // Kept: the same session, its token derived once.
        let again = key.open(&cookie).unwrap();
        assert!(std::rc::Rc::ptr_eq(&first, &again));
        // Another key does not find it kept, and its signature fails.
        let other = SessionKey::from_secret("another secret of thirty-two characters");
        assert!(other.open(&cookie).is_none());
        // A forgery is never kept.
        let forged = format!("{id}.{}", "A".repeat(43));
        assert!(key.open(&forged).is_none());
        assert!(key.open(&forged).is_none());
    }

    #[test]
    fn a_cookie_is_found_among_others() {
        use actix_web::http::header::{HeaderMap, HeaderValue, COOKIE};
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; sf_lang=fr_FR;sf_session=abc.def"),
        );
        headers.append(COOKIE, HeaderValue::from_static("sf_flash=\"x\""));
        assert_eq!(cookie_value(&headers, "sf_session"), Some("abc.def"));
        assert_eq!(cookie_value(&headers, "sf_lang"), Some("fr_FR"));
        assert_eq!(cookie_value(&headers, "sf_flash"), Some("x"));
        assert_eq!(cookie_value(&headers, "sf"), None);
        assert_eq!(cookie_value(&HeaderMap::new(), "sf_session"), None);
    }

    #[test]
    fn the_key_file_is_created_once() {
        let dir = std::env::temp_dir().join(format!("sf-key-{}", crate::store::ids::random_id()));
        let first = SessionKey::load_or_create(&dir).unwrap();
        let second = SessionKey::load_or_create(&dir).unwrap();
        assert_eq!(first.key, second.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join("session.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
