//! Values as messages: serde, in postcard's compact format (the same as `Process` uses for
//! arguments and results).

use crate::Error;

/// Encodes one message. Pipe ends and queues inside it refuse ([`Error::Serialize`]): they
/// cross only in a process's arguments (`passing.rs`).
pub(crate) fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    super::passing::encode(value, false).map(|(bytes, _)| bytes)
}

/// Deserializes exactly one `T` from `bytes`: trailing bytes are an error too. Postcard
/// allocates only as it reads, so a claimed length larger than `bytes` fails at the end of
/// the input instead of reserving what it claims.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(Error::BadMessage(format!(
            "{} bytes left over after the value",
            rest.len()
        ))),
        Err(e) => Err(Error::BadMessage(e.to_string())),
    }
}
