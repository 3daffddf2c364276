//! Values as messages: serde, in postcard's compact format (the same as `Process` uses for
//! arguments and results).

use crate::Error;

pub(crate) fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|e| Error::Serialize(e.to_string()))
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
