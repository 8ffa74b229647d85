//! Error texts more than one command replies with. Redis counterpart: the
//! `shared` objects of server.c (createSharedObjects: `shared.wrongtypeerr`,
//! `shared.syntaxerr`, ...) and the literal texts of object.c's
//! get*FromObjectOrReply helpers, which many commands reach.
//!
//! A text without a leading `-` gets `-ERR ` in front when it is sent
//! (`Client::add_reply_error`); one with its own code keeps it.

/// Redis: shared.wrongtypeerr.
pub const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value";
/// Redis: shared.syntaxerr.
pub const SYNTAX_ERR: &str = "syntax error";
/// Redis: shared.nokeyerr.
pub const NO_SUCH_KEY: &str = "no such key";
/// Redis: shared.outofrangeerr.
pub const INDEX_OUT_OF_RANGE: &str = "index out of range";
/// getLongLongFromObjectOrReply's text.
pub const NOT_INTEGER: &str = "value is not an integer or out of range";
/// getDoubleFromObjectOrReply's text.
pub const NOT_FLOAT: &str = "value is not a valid float";
/// getPositiveLongFromObjectOrReply's text.
pub const NOT_POSITIVE: &str = "value is out of range, must be positive";
/// INCR/DECR/HINCRBY's overflow text.
pub const OVERFLOW: &str = "increment or decrement would overflow";
/// The timeout of WAIT, CLIENT PAUSE, BLOCK... that is not an integer.
pub const TIMEOUT_NOT_INTEGER: &str = "timeout is not an integer or out of range";
