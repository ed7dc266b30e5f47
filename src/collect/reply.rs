//! What the collector makes of one HTTP answer before anyone reads it: the
//! body read in chunks and refused past `collector.max_body_bytes`, and an
//! answer that is not a page (a redirect, an error status) reduced to a
//! classified reason — status, size and the first characters escaped and
//! cut. An upstream body is never kept as error text: it could be anything,
//! including another server's secrets.

use std::sync::Arc;
use std::time::Duration;

use super::address::PublicOnlyResolver;

/// Characters of an error body an attempt record may quote.
pub const QUOTED_CHARS: usize = 120;

/// The clients the collector uses: neither follows redirects or uses a proxy
/// (a proxy would resolve names where the address policy cannot see them).
/// `public` connects only to public addresses; `open` is for units allowed a
/// private address and for the simulator.
#[derive(Clone)]
pub struct Clients {
    pub public: reqwest::Client,
    pub open: reqwest::Client,
}

/// The rules every client chiso sends to a unit with shares: the timeout on
/// the whole request and on connecting, no redirect followed, no proxy. The
/// portal probe (`probe.rs`) starts from these too.
pub(super) fn base_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("chiso/", env!("CARGO_PKG_VERSION")))
}

impl Clients {
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        let builder = || base_builder(timeout);
        Ok(Self {
            public: builder()
                .dns_resolver(Arc::new(PublicOnlyResolver))
                .build()?,
            open: builder().build()?,
        })
    }

    pub fn for_endpoint(&self, allow_private: bool) -> &reqwest::Client {
        if allow_private {
            &self.open
        } else {
            &self.public
        }
    }
}

/// Why a body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads the body in chunks, stopping as soon as it passes `cap` bytes.
pub async fn read_capped(mut resp: reqwest::Response, cap: u64) -> Result<Vec<u8>, BodyError> {
    let declared = resp.content_length().unwrap_or(0);
    if declared > cap {
        return Err(BodyError::TooLarge);
    }
    // The declared length (bounded by the cap) saves growing the buffer chunk
    // by chunk; a source that lies about it only costs a realloc.
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The first `max_chars` characters of `bytes`, with anything that is not a
/// letter, digit, punctuation or space escaped, and `…` when cut.
pub fn escaped_start(bytes: &[u8], max_chars: usize) -> String {
    let head = &bytes[..bytes.len().min(max_chars.saturating_mul(4))];
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(max_chars) {
        if c.is_alphanumeric() || c.is_ascii_punctuation() || c == ' ' {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    if chars.next().is_some() || head.len() < bytes.len() {
        out.push('…');
    }
    out
}

/// An error status, classified: the status, the size and the escaped start.
pub fn describe_body(body: &[u8]) -> String {
    if body.is_empty() {
        return "empty body".into();
    }
    format!(
        "{} bytes, beginning '{}'",
        body.len(),
        escaped_start(body, QUOTED_CHARS)
    )
}

/// A URL as messages show it: without user name or password.
pub fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => escaped_start(url.as_bytes(), QUOTED_CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_cut_and_escaped() {
        assert_eq!(escaped_start(b"plain text", 120), "plain text");
        assert_eq!(escaped_start(b"a\nb\x1b[31m", 120), "a\\nb\\u{1b}[31m");
        assert_eq!(escaped_start("Lỗi máy chủ".as_bytes(), 120), "Lỗi máy chủ");
        let long = "x".repeat(500);
        let cut = escaped_start(long.as_bytes(), 120);
        assert_eq!(cut.chars().count(), 121);
        assert!(cut.ends_with('…'));
        assert_eq!(describe_body(b""), "empty body");
        assert_eq!(describe_body(b"oops"), "4 bytes, beginning 'oops'");
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            shown_url("https://user:secret@unit.example/v1/stats"),
            "https://unit.example/v1/stats"
        );
    }
}
