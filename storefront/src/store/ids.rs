//! Random ids and how the store keeps them (and how secrets are compared): a session id or an order key is
//! 32 random bytes; the store keeps only a session id's hash, so a leaked
//! database opens no session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A new random id: 32 bytes, base64url (43 characters).
pub fn random_id() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut bytes) {
        // Without randomness no session can be safe: stop loudly.
        panic!("the system's random number generator failed: {e}");
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a session id: its SHA-256, in hexadecimal.
pub fn session_hash(id: &str) -> String {
    hex(&Sha256::digest(id.as_bytes()))
}

/// Whether two secrets (a token, a key) are equal, compared in time
/// independent of where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hexadecimal() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn secrets_are_equal_only_when_every_byte_is() {
        assert!(same_secret(b"s3cret-token", b"s3cret-token"));
        assert!(!same_secret(b"s3cret-token", b"s3cret-tokeN"));
        assert!(!same_secret(b"s3cret-token", b"s3cret-toke"));
        assert!(!same_secret(b"", b"x"));
    }
}
