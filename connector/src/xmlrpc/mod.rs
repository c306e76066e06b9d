//! The XML-RPC wire format: values, calls, responses and faults.

mod de;
mod decode;
mod encode;
mod value;

pub use de::{from_value, FieldError};
pub use decode::{decode_call, decode_response, DecodeError};
pub use encode::{encode_call, encode_fault, encode_response, escape_into, write_value};
pub use value::{Struct, Value};

/// A decoded `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// `methodName`, e.g. `execute_kw`.
    pub method: String,
    /// The positional parameters.
    pub params: Vec<Value>,
}

impl MethodCall {
    /// Encodes this call.
    pub fn encode(&self) -> String {
        encode_call(&self.method, &self.params)
    }
}

/// A decoded `<methodResponse>`.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResponse {
    /// The one returned value.
    Success(Value),
    /// The server's fault.
    Fault(Fault),
}

/// A fault, as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `faultCode`.
    pub code: i32,
    /// `faultString`; Odoo puts a Python traceback here for code 1.
    pub string: String,
}
