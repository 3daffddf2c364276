//! The bytes between parent and child, both directions, on the socket pair of `spawn.rs`.
//!
//! Parent → child, once: the bootstrap, `b"cprc"`, a version byte, a `u32` body length, then
//! the body (little-endian): executable device and inode, the layout check, the wrapper and
//! target offsets (`target.rs`), the parent's pid, the daemon flag, the identity (CPython's
//! `_identity`, for names like `Process-1:2`), the child's name, the parent's name, the
//! encoded arguments (each `u32` length + bytes), whether the parent's stdout was passed, and
//! how many descriptors the arguments pass (`crate::ipc::passing`). The descriptors themselves
//! travel beside the first bytes (`SCM_RIGHTS`): stdout first if passed, then the arguments'
//! in the order of their indexes; the child checks their count against these two fields.
//!
//! Child → parent: [`STARTED`] (one byte, as soon as the bootstrap checked out), then at most
//! one frame `tag, u32 length, payload`: [`RETURNED`] (the encoded result), [`PANICKED`] (the
//! panic message), [`UNSERIALIZABLE`] (why the result did not encode) or [`REFUSED`] (why the
//! child could not run the target), then end of file when the child exits.
//!
//! The parent keeps at most [`MAX_MESSAGE`] bytes of what a child sends and never sizes an
//! allocation by a length it read: [`parse_reply`] checks every length against the bytes that
//! really arrived, so a truncated, oversized or garbage reply is an [`Error::BadMessage`].

use crate::error::Error;

const MAGIC: &[u8; 4] = b"cprc";
const VERSION: u8 = 2;

/// The largest reply (or bootstrap) kept, in bytes; more is read and thrown away, so a
/// child writing without end is neither blocked nor able to exhaust the parent's memory.
pub(crate) const MAX_MESSAGE: usize = 256 << 20;

/// Child → parent: the bootstrap checked out and the target is about to run.
pub(crate) const STARTED: u8 = b'S';
/// Frame tag: the target returned; the payload is the encoded result.
pub(crate) const RETURNED: u8 = b'R';
/// Frame tag: the target panicked; the payload is the message (UTF-8).
pub(crate) const PANICKED: u8 = b'P';
/// Frame tag: the result failed to encode; the payload says why.
pub(crate) const UNSERIALIZABLE: u8 = b'E';
/// Frame tag: the child could not run the target (bad bootstrap, other image); why.
pub(crate) const REFUSED: u8 = b'F';

/// What the parent tells a new child.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Bootstrap {
    pub exe: (u64, u64),
    pub layout: i64,
    pub wrapper: i64,
    pub target: i64,
    pub parent_pid: u32,
    pub daemon: bool,
    pub identity: Vec<u32>,
    pub name: String,
    pub parent_name: String,
    pub args: Vec<u8>,
    /// The parent's stdout is the first descriptor passed.
    pub stdout: bool,
    /// How many descriptors the arguments pass (after stdout).
    pub passed: u32,
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

impl Bootstrap {
    /// The whole message, header included. `Err` if a field is too long for its `u32` length.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, Error> {
        if self.args.len() > MAX_MESSAGE / 2 {
            return Err(Error::Serialize(format!(
                "the arguments take {} bytes; at most {} may cross to a process",
                self.args.len(),
                MAX_MESSAGE / 2
            )));
        }
        let mut body = Vec::with_capacity(64 + self.args.len() + self.name.len());
        body.extend_from_slice(&self.exe.0.to_le_bytes());
        body.extend_from_slice(&self.exe.1.to_le_bytes());
        body.extend_from_slice(&self.layout.to_le_bytes());
        body.extend_from_slice(&self.wrapper.to_le_bytes());
        body.extend_from_slice(&self.target.to_le_bytes());
        body.extend_from_slice(&self.parent_pid.to_le_bytes());
        body.push(self.daemon as u8);
        body.extend_from_slice(&(self.identity.len() as u32).to_le_bytes());
        for i in &self.identity {
            body.extend_from_slice(&i.to_le_bytes());
        }
        put_bytes(&mut body, self.name.as_bytes());
        put_bytes(&mut body, self.parent_name.as_bytes());
        put_bytes(&mut body, &self.args);
        body.push(self.stdout as u8);
        body.extend_from_slice(&self.passed.to_le_bytes());
        let mut out = Vec::with_capacity(9 + body.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// The body length announced by a 9-byte header, checked against [`MAX_MESSAGE`].
    pub(crate) fn body_len(header: &[u8; 9]) -> Result<usize, String> {
        if &header[..4] != MAGIC {
            return Err("not a bootstrap message (bad magic)".into());
        }
        if header[4] != VERSION {
            return Err(format!(
                "bootstrap version {} (expected {VERSION})",
                header[4]
            ));
        }
        let len = u32::from_le_bytes([header[5], header[6], header[7], header[8]]) as usize;
        if len > MAX_MESSAGE {
            return Err(format!("bootstrap of {len} bytes is over the limit"));
        }
        Ok(len)
    }

    /// Decodes a body; every length is checked against the bytes present.
    pub(crate) fn decode(body: &[u8]) -> Result<Bootstrap, String> {
        let mut r = Reader(body);
        let exe = (r.u64()?, r.u64()?);
        let layout = r.u64()? as i64;
        let wrapper = r.u64()? as i64;
        let target = r.u64()? as i64;
        let parent_pid = r.u32()?;
        let daemon = match r.take(1)?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("daemon flag {b}")),
        };
        let n = r.u32()? as usize;
        if n > r.0.len() / 4 {
            return Err("identity longer than the message".into());
        }
        let identity = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>, _>>()?;
        let name = r.string()?;
        let parent_name = r.string()?;
        let args = r.bytes()?.to_vec();
        let stdout = match r.take(1)?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("stdout flag {b}")),
        };
        let passed = r.u32()?;
        if !r.0.is_empty() {
            return Err(format!("{} bytes after the bootstrap", r.0.len()));
        }
        Ok(Bootstrap {
            exe,
            layout,
            wrapper,
            target,
            parent_pid,
            daemon,
            identity,
            name,
            parent_name,
            args,
            stdout,
            passed,
        })
    }

    /// How many descriptors come with this bootstrap.
    pub(crate) fn descriptors(&self) -> usize {
        self.stdout as usize + self.passed as usize
    }
}

/// A cursor that refuses to read past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err(format!(
                "truncated: {n} bytes announced, {} left",
                self.0.len()
            ));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| "a name is not UTF-8".to_owned())
    }
}

/// A child → parent frame: tag, length, payload.
pub(crate) fn frame(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + payload.len());
    out.push(tag);
    out.extend_from_slice(&(payload.len().min(u32::MAX as usize) as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// What a finished child said, as the parent understood it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply<'a> {
    /// Nothing at all: the child never reached its dispatch (the entry point was not called).
    Silent,
    /// Started, then ended without a frame (killed, or exited from inside the target).
    NoResult,
    /// The encoded result.
    Returned(&'a [u8]),
    /// The panic message.
    Panicked(String),
    /// The result could not be encoded.
    Unserializable(String),
    /// The child refused to run the target.
    Refused(String),
}

/// Parses everything a child sent before it ended. `overflowed`: it sent more than
/// [`MAX_MESSAGE`] (the excess was discarded).
pub(crate) fn parse_reply(bytes: &[u8], overflowed: bool) -> Result<Reply<'_>, Error> {
    let bad = |why: String| Err(Error::BadMessage(why));
    if overflowed {
        return bad(format!("the child sent more than {MAX_MESSAGE} bytes"));
    }
    let rest = match bytes.split_first() {
        None => return Ok(Reply::Silent),
        // A refusal may come without STARTED: the bootstrap failed before it.
        Some((&STARTED, rest)) => rest,
        Some((&REFUSED, _)) => bytes,
        Some((b, _)) => return bad(format!("the reply starts with byte {b:#04x}")),
    };
    let Some((&tag, rest)) = rest.split_first() else {
        return Ok(Reply::NoResult);
    };
    let mut r = Reader(rest);
    let payload = r.bytes().map_err(Error::BadMessage)?;
    if !r.0.is_empty() {
        return bad(format!("{} unexpected bytes after the reply", r.0.len()));
    }
    let text = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    Ok(match tag {
        RETURNED => Reply::Returned(payload),
        PANICKED => Reply::Panicked(text(payload)),
        UNSERIALIZABLE => Reply::Unserializable(text(payload)),
        REFUSED => Reply::Refused(text(payload)),
        t => return bad(format!("unknown reply tag {t:#04x}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bootstrap {
        Bootstrap {
            exe: (1, 2),
            layout: -3,
            wrapper: 4,
            target: -5,
            parent_pid: 6,
            daemon: true,
            identity: vec![1, 2],
            name: "Process-1:2".into(),
            parent_name: "MainProcess".into(),
            args: vec![9, 8, 7],
            stdout: true,
            passed: 3,
        }
    }

    #[test]
    fn bootstrap_round_trips() {
        let bytes = sample().encode().unwrap();
        let header: [u8; 9] = bytes[..9].try_into().unwrap();
        assert_eq!(Bootstrap::body_len(&header), Ok(bytes.len() - 9));
        assert_eq!(Bootstrap::decode(&bytes[9..]), Ok(sample()));
    }

    #[test]
    fn every_truncated_bootstrap_is_an_error_not_a_panic() {
        let bytes = sample().encode().unwrap();
        for cut in 0..bytes.len() - 9 {
            assert!(
                Bootstrap::decode(&bytes[9..9 + cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn bootstrap_with_huge_claims_is_refused_without_allocating() {
        let mut header = *b"cprc\x02\xff\xff\xff\xff";
        assert!(Bootstrap::body_len(&header).is_err());
        header[0] = b'x';
        assert!(Bootstrap::body_len(&header).is_err());
        // An identity count of 2^32-1 in a short body.
        let mut body = sample().encode().unwrap()[9..].to_vec();
        body[45..49].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Bootstrap::decode(&body).is_err());
    }

    #[test]
    fn replies_parse_and_hostile_ones_are_typed_errors() {
        assert_eq!(parse_reply(b"", false), Ok(Reply::Silent));
        assert_eq!(parse_reply(b"S", false), Ok(Reply::NoResult));
        let ok = [b"S".as_slice(), &frame(RETURNED, b"abc")].concat();
        assert_eq!(parse_reply(&ok, false), Ok(Reply::Returned(b"abc")));
        let p = [b"S".as_slice(), &frame(PANICKED, b"boom")].concat();
        assert_eq!(parse_reply(&p, false), Ok(Reply::Panicked("boom".into())));
        assert_eq!(
            parse_reply(&frame(REFUSED, b"other image"), false),
            Ok(Reply::Refused("other image".into()))
        );
        let hostile: &[&[u8]] = &[
            b"X",
            b"SR",
            b"SR\x05\x00\x00\x00abc",
            b"SR\xff\xff\xff\xff",
            b"SR\x00\x00\x00\x00trailing",
            b"SZ\x00\x00\x00\x00",
            b"\x00\x00\x00\x00",
        ];
        for h in hostile {
            assert!(
                matches!(parse_reply(h, false), Err(Error::BadMessage(_))),
                "{h:?}"
            );
        }
        assert!(matches!(parse_reply(&ok, true), Err(Error::BadMessage(_))));
    }
}
