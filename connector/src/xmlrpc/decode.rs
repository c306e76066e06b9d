//! XML-RPC decoding on quick-xml.
//!
//! The parser is iterative (an explicit stack, bounded depth), so hostile or
//! truncated input gives a [`DecodeError`], never a panic or a stack
//! overflow. Text is borrowed from the input until a value needs to own it,
//! so a 10 MB base64 image is scanned once.

use std::borrow::Cow;

use base64::Engine as _;
use chrono::NaiveDateTime;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::value::{Struct, Value};
use super::{Fault, MethodCall, MethodResponse};

/// Deeper nesting than this is refused: Odoo never nests more than a few
/// levels (x2many commands inside a struct inside an array).
const MAX_DEPTH: usize = 256;

/// The body was not a well-formed XML-RPC document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid XML-RPC at byte {position}: {message}")]
pub struct DecodeError {
    /// What was wrong.
    pub message: String,
    /// Byte offset in the body where it was noticed.
    pub position: u64,
}

/// Decodes a `<methodResponse>`: the value, or the fault.
pub fn decode_response(xml: &[u8]) -> Result<MethodResponse, DecodeError> {
    let mut p = Parser::new(xml)?;
    p.expect_open(Tag::MethodResponse)?;
    let response = match p.next_structural()? {
        Tok::Open(Tag::Params) => {
            p.expect_open(Tag::Param)?;
            p.expect_open(Tag::Value)?;
            let value = p.value()?;
            p.expect_close(Tag::Param)?;
            p.expect_close(Tag::Params)?;
            MethodResponse::Success(value)
        }
        Tok::Open(Tag::Fault) => {
            p.expect_open(Tag::Value)?;
            let value = p.value()?;
            p.expect_close(Tag::Fault)?;
            MethodResponse::Fault(fault_from(value).map_err(|m| p.error(m))?)
        }
        other => return Err(p.unexpected(&other, "<params> or <fault>")),
    };
    p.expect_close(Tag::MethodResponse)?;
    p.expect_eof()?;
    Ok(response)
}

/// Decodes a `<methodCall>`: the method name and its parameters.
pub fn decode_call(xml: &[u8]) -> Result<MethodCall, DecodeError> {
    let mut p = Parser::new(xml)?;
    p.expect_open(Tag::MethodCall)?;
    p.expect_open(Tag::MethodName)?;
    let method = p.text_until(Tag::MethodName)?.trim().to_owned();
    if method.is_empty() {
        return Err(p.error("empty <methodName>"));
    }
    let mut params = Vec::new();
    match p.next_structural()? {
        Tok::Open(Tag::Params) => {
            loop {
                match p.next_structural()? {
                    Tok::Open(Tag::Param) => {
                        p.expect_open(Tag::Value)?;
                        params.push(p.value()?);
                        p.expect_close(Tag::Param)?;
                    }
                    Tok::Close(Tag::Params) => break,
                    other => return Err(p.unexpected(&other, "<param> or </params>")),
                }
            }
            p.expect_close(Tag::MethodCall)?;
        }
        Tok::Close(Tag::MethodCall) => {}
        other => return Err(p.unexpected(&other, "<params>")),
    }
    p.expect_eof()?;
    Ok(MethodCall { method, params })
}

fn fault_from(value: Value) -> Result<Fault, String> {
    let Value::Struct(s) = value else {
        return Err(format!("fault is a {}, not a struct", value.type_name()));
    };
    let code = match s.get("faultCode") {
        Some(Value::Int(i)) => i32::try_from(*i).map_err(|_| "faultCode out of range".to_owned())?,
        // Some servers send the code as a string; Odoo does not, but a
        // number in a string still means that number.
        Some(Value::String(t)) => t
            .trim()
            .parse()
            .map_err(|_| format!("faultCode {t:?} is not a number"))?,
        Some(v) => return Err(format!("faultCode is a {}", v.type_name())),
        None => return Err("fault without faultCode".to_owned()),
    };
    let string = match s.get("faultString") {
        Some(Value::String(t)) => t.clone(),
        Some(v) => return Err(format!("faultString is a {}", v.type_name())),
        None => return Err("fault without faultString".to_owned()),
    };
    Ok(Fault { code, string })
}

/// The element names of XML-RPC; anything else is kept for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tag {
    MethodResponse,
    MethodCall,
    MethodName,
    Params,
    Param,
    Fault,
    Value,
    Array,
    Data,
    Struct,
    Member,
    Name,
    Int,
    I4,
    I8,
    Boolean,
    String,
    Double,
    DateTime,
    Base64,
    Nil,
    Other(String),
}

impl Tag {
    fn from_name(name: &[u8]) -> Tag {
        match name {
            b"methodResponse" => Tag::MethodResponse,
            b"methodCall" => Tag::MethodCall,
            b"methodName" => Tag::MethodName,
            b"params" => Tag::Params,
            b"param" => Tag::Param,
            b"fault" => Tag::Fault,
            b"value" => Tag::Value,
            b"array" => Tag::Array,
            b"data" => Tag::Data,
            b"struct" => Tag::Struct,
            b"member" => Tag::Member,
            b"name" => Tag::Name,
            b"int" => Tag::Int,
            b"i4" => Tag::I4,
            b"i8" => Tag::I8,
            b"boolean" => Tag::Boolean,
            b"string" => Tag::String,
            b"double" => Tag::Double,
            b"dateTime.iso8601" => Tag::DateTime,
            b"base64" => Tag::Base64,
            b"nil" => Tag::Nil,
            other => Tag::Other(String::from_utf8_lossy(other).into_owned()),
        }
    }

    fn name(&self) -> &str {
        match self {
            Tag::MethodResponse => "methodResponse",
            Tag::MethodCall => "methodCall",
            Tag::MethodName => "methodName",
            Tag::Params => "params",
            Tag::Param => "param",
            Tag::Fault => "fault",
            Tag::Value => "value",
            Tag::Array => "array",
            Tag::Data => "data",
            Tag::Struct => "struct",
            Tag::Member => "member",
            Tag::Name => "name",
            Tag::Int => "int",
            Tag::I4 => "i4",
            Tag::I8 => "i8",
            Tag::Boolean => "boolean",
            Tag::String => "string",
            Tag::Double => "double",
            Tag::DateTime => "dateTime.iso8601",
            Tag::Base64 => "base64",
            Tag::Nil => "nil",
            Tag::Other(name) => name,
        }
    }
}

/// One token of the document, with empty elements split into open + close.
#[derive(Debug)]
enum Tok<'a> {
    Open(Tag),
    Close(Tag),
    Text(Cow<'a, str>),
    Eof,
}

/// A container being filled while its children are parsed.
enum Frame {
    Array(Vec<Value>),
    Struct(Struct, String),
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    /// The close half of an `<empty/>` element, handed out next.
    pending_close: Option<Tag>,
}

impl<'a> Parser<'a> {
    fn new(xml: &'a [u8]) -> Result<Self, DecodeError> {
        let text = std::str::from_utf8(xml).map_err(|e| DecodeError {
            message: format!("body is not UTF-8: {e}"),
            position: e.valid_up_to() as u64,
        })?;
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Ok(Self {
            reader,
            pending_close: None,
        })
    }

    fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            message: message.into(),
            position: self.reader.buffer_position(),
        }
    }

    fn unexpected(&self, got: &Tok<'_>, wanted: &str) -> DecodeError {
        let got = match got {
            Tok::Open(n) => format!("<{}>", n.name()),
            Tok::Close(n) => format!("</{}>", n.name()),
            Tok::Text(t) => format!("text {:?}", truncate(t)),
            Tok::Eof => "end of document (truncated?)".to_owned(),
        };
        self.error(format!("expected {wanted}, found {got}"))
    }

    fn next(&mut self) -> Result<Tok<'a>, DecodeError> {
        if let Some(name) = self.pending_close.take() {
            return Ok(Tok::Close(name));
        }
        loop {
            let event = self.reader.read_event().map_err(|e| self.error(e.to_string()))?;
            return Ok(match event {
                Event::Start(e) => Tok::Open(Tag::from_name(e.local_name().into_inner())),
                Event::Empty(e) => {
                    let tag = Tag::from_name(e.local_name().into_inner());
                    self.pending_close = Some(tag.clone());
                    Tok::Open(tag)
                }
                Event::End(e) => Tok::Close(Tag::from_name(e.local_name().into_inner())),
                Event::Text(t) => Tok::Text(t.unescape().map_err(|e| self.error(format!("bad text: {e}")))?),
                Event::CData(c) => Tok::Text(match c.into_inner() {
                    Cow::Borrowed(b) => {
                        Cow::Borrowed(std::str::from_utf8(b).map_err(|e| self.error(e.to_string()))?)
                    }
                    Cow::Owned(b) => Cow::Owned(String::from_utf8(b).map_err(|e| self.error(e.to_string()))?),
                }),
                Event::Eof => Tok::Eof,
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => continue,
            });
        }
    }

    /// The next token that is not whitespace between elements.
    fn next_structural(&mut self) -> Result<Tok<'a>, DecodeError> {
        loop {
            match self.next()? {
                Tok::Text(t) if t.trim().is_empty() => continue,
                tok => return Ok(tok),
            }
        }
    }

    fn expect_open(&mut self, name: Tag) -> Result<(), DecodeError> {
        match self.next_structural()? {
            Tok::Open(n) if n == name => Ok(()),
            other => Err(self.unexpected(&other, &format!("<{}>", name.name()))),
        }
    }

    fn expect_close(&mut self, name: Tag) -> Result<(), DecodeError> {
        match self.next_structural()? {
            Tok::Close(n) if n == name => Ok(()),
            other => Err(self.unexpected(&other, &format!("</{}>", name.name()))),
        }
    }

    fn expect_eof(&mut self) -> Result<(), DecodeError> {
        match self.next_structural()? {
            Tok::Eof => Ok(()),
            other => Err(self.unexpected(&other, "end of document")),
        }
    }

    /// All text up to the close of `name` (which must contain no elements).
    fn text_until(&mut self, name: Tag) -> Result<Cow<'a, str>, DecodeError> {
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next()? {
                Tok::Text(t) => {
                    if text.is_empty() {
                        text = t;
                    } else {
                        text.to_mut().push_str(&t);
                    }
                }
                Tok::Close(n) if n == name => return Ok(text),
                other => return Err(self.unexpected(&other, &format!("text or </{}>", name.name()))),
            }
        }
    }

    /// Parses one value; the `<value>` has been read, and its `</value>`
    /// is consumed.
    fn value(&mut self) -> Result<Value, DecodeError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            // Just inside a <value>.
            let tag = match self.next()? {
                Tok::Close(Tag::Value) => Some(Value::String(String::new())),
                Tok::Text(t) => match self.next()? {
                    Tok::Close(Tag::Value) => Some(Value::String(t.into_owned())),
                    Tok::Open(tag) if t.trim().is_empty() => self.typed(tag, &mut stack)?,
                    other => return Err(self.unexpected(&other, "</value>")),
                },
                Tok::Open(tag) => self.typed(tag, &mut stack)?,
                other => return Err(self.unexpected(&other, "a value")),
            };
            let Some(mut done) = tag else {
                // A container was opened and its first child <value> read.
                continue 'value;
            };
            // A value is complete: hand it to its container, closing
            // containers as their ends come.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(done);
                };
                match frame {
                    Frame::Array(items) => {
                        items.push(done);
                        match self.next_structural()? {
                            Tok::Open(Tag::Value) => continue 'value,
                            Tok::Close(Tag::Data) => {
                                self.expect_close(Tag::Array)?;
                                self.expect_close(Tag::Value)?;
                                let Some(Frame::Array(items)) = stack.pop() else {
                                    unreachable_frame()?
                                };
                                done = Value::Array(items);
                            }
                            other => return Err(self.unexpected(&other, "<value> or </data>")),
                        }
                    }
                    Frame::Struct(members, name) => {
                        members.push_unchecked(std::mem::take(name), done);
                        self.expect_close(Tag::Member)?;
                        match self.member_start()? {
                            Some(next_name) => {
                                if let Some(Frame::Struct(_, name)) = stack.last_mut() {
                                    *name = next_name;
                                }
                                continue 'value;
                            }
                            None => {
                                self.expect_close(Tag::Value)?;
                                let Some(Frame::Struct(mut members, _)) = stack.pop() else {
                                    unreachable_frame()?
                                };
                                members.dedup();
                                done = Value::Struct(members);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads `<member><name>n</name><value>` and returns `n`, or reads
    /// `</struct>` and returns `None`.
    fn member_start(&mut self) -> Result<Option<String>, DecodeError> {
        match self.next_structural()? {
            Tok::Open(Tag::Member) => {
                self.expect_open(Tag::Name)?;
                let name = self.text_until(Tag::Name)?.into_owned();
                self.expect_open(Tag::Value)?;
                Ok(Some(name))
            }
            Tok::Close(Tag::Struct) => Ok(None),
            other => Err(self.unexpected(&other, "<member> or </struct>")),
        }
    }

    /// Parses the typed element `<tag>` just opened inside a `<value>`.
    /// Scalars are returned whole (with `</value>` consumed); a non-empty
    /// array or struct pushes a frame, reads up to its first child's
    /// `<value>`, and returns `None`.
    fn typed(&mut self, tag: Tag, stack: &mut Vec<Frame>) -> Result<Option<Value>, DecodeError> {
        let value = match tag {
            Tag::Array => {
                self.expect_open(Tag::Data)?;
                match self.next_structural()? {
                    Tok::Open(Tag::Value) => {
                        self.push(stack, Frame::Array(Vec::new()))?;
                        return Ok(None);
                    }
                    Tok::Close(Tag::Data) => {
                        self.expect_close(Tag::Array)?;
                        Value::Array(Vec::new())
                    }
                    other => return Err(self.unexpected(&other, "<value> or </data>")),
                }
            }
            Tag::Struct => match self.member_start()? {
                Some(name) => {
                    self.push(stack, Frame::Struct(Struct::new(), name))?;
                    return Ok(None);
                }
                None => Value::Struct(Struct::new()),
            },
            _ => {
                let text = self.text_until(tag.clone())?;
                self.scalar(&tag, &text)?
            }
        };
        self.expect_close(Tag::Value)?;
        Ok(Some(value))
    }

    fn push(&self, stack: &mut Vec<Frame>, frame: Frame) -> Result<(), DecodeError> {
        if stack.len() >= MAX_DEPTH {
            return Err(self.error(format!("values nested deeper than {MAX_DEPTH}")));
        }
        stack.push(frame);
        Ok(())
    }

    fn scalar(&self, tag: &Tag, text: &str) -> Result<Value, DecodeError> {
        let bad = |what: &str| self.error(format!("invalid {what}: {:?}", truncate(text)));
        Ok(match tag {
            Tag::Int | Tag::I4 | Tag::I8 => Value::Int(text.trim().parse().map_err(|_| bad("int"))?),
            Tag::Boolean => match text.trim() {
                "1" => Value::Bool(true),
                "0" => Value::Bool(false),
                _ => return Err(bad("boolean")),
            },
            Tag::String => Value::String(text.to_owned()),
            Tag::Double => Value::Double(text.trim().parse().map_err(|_| bad("double"))?),
            Tag::DateTime => {
                Value::DateTime(parse_datetime(text.trim()).ok_or_else(|| bad("dateTime.iso8601"))?)
            }
            Tag::Base64 => {
                let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                Value::Base64(
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .map_err(|_| bad("base64"))?,
                )
            }
            Tag::Nil if text.trim().is_empty() => Value::Nil,
            Tag::Nil => return Err(bad("nil")),
            other => return Err(self.error(format!("unknown value type <{}>", other.name()))),
        })
    }
}

/// The formats XML-RPC peers use for `dateTime.iso8601`.
fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    ["%Y%m%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%dT%H%M%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn unreachable_frame<T>() -> Result<T, DecodeError> {
    Err(DecodeError {
        message: "internal: container stack out of step".to_owned(),
        position: 0,
    })
}
