//! The client and its reply buffers. Redis counterpart: networking.c (the
//! `addReply*` family, `createClient`) and `struct client` in server.h.
//!
//! Replies go to `buf` (a 16 KiB buffer, Redis's static `c->buf`) and, once
//! that is full, to a list of overflow blocks (`c->reply`). Nothing is written
//! here: `before_sleep` writes every pending client once per event-loop
//! iteration (networking::write_pending).
//! Divergence: the reply functions are methods on `Client` and know nothing of
//! the server; the caller puts the client on the pending-write list.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use mio::net::{TcpStream, UnixStream};
use oxidis_ds::listpack::LpEntry;
use oxidis_ds::set::SetEle;
use oxidis_ds::util;
use oxidis_ds::util::write_i64_slice;

use crate::server::shared;

pub const PROTO_REPLY_CHUNK_BYTES: usize = 16 * 1024;
pub const PROTO_IOBUF_LEN: usize = 16 * 1024;

// Client flags (server.h CLIENT_*), only those oxidis uses.
pub const CLIENT_CLOSE_AFTER_REPLY: u64 = 1 << 6;
pub const CLIENT_CLOSE_ASAP: u64 = 1 << 10;
pub const CLIENT_PROTOCOL_ERROR: u64 = 1 << 39;
pub const CLIENT_NO_EVICT: u64 = 1 << 43;
pub const CLIENT_PENDING_WRITE: u64 = 1 << 21;
pub const CLIENT_REPLY_OFF: u64 = 1 << 22;
pub const CLIENT_REPLY_SKIP_NEXT: u64 = 1 << 23;
pub const CLIENT_REPLY_SKIP: u64 = 1 << 24;
pub const CLIENT_CLOSE_AFTER_COMMAND: u64 = 1 << 40;
pub const CLIENT_SLAVE: u64 = 1 << 0;
pub const CLIENT_MASTER: u64 = 1 << 1; // the link to this replica's master
pub const CLIENT_MONITOR: u64 = 1 << 2;
pub const CLIENT_MULTI: u64 = 1 << 3; // mirrors mstate.active for CLIENT LIST
pub const CLIENT_BLOCKED: u64 = 1 << 4;
pub const CLIENT_DIRTY_CAS: u64 = 1 << 5;
pub const CLIENT_UNBLOCKED: u64 = 1 << 7;
pub const CLIENT_PUBSUB: u64 = 1 << 18;
/// The fake client scripts run commands with (Redis: CLIENT_SCRIPT).
pub const CLIENT_SCRIPT: u64 = 1 << 8;
/// Blocking commands must not block (inside EXEC, scripts): they behave as
/// their non-blocking form.
pub const CLIENT_DENY_BLOCKING: u64 = 1 << 41;
/// Set while a push (pub/sub message, subscribe reply) is written: pushes
/// get through CLIENT REPLY OFF/SKIP.
pub const CLIENT_PUSHING: u64 = 1 << 44;

/// The socket under a client: TCP or a unix socket.
pub enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
        }
    }
    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
        }
    }
    pub fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write_vectored(bufs),
            Conn::Unix(s) => s.write_vectored(bufs),
        }
    }
    pub fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Conn::Tcp(s) => s,
            Conn::Unix(s) => s,
        }
    }
    pub fn shutdown(&self) {
        let _ = match self {
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// Where a deferred length header will be inserted. Redis: addReplyDeferredLen.
#[derive(Clone, Copy, Debug)]
pub struct Deferred {
    block: usize, // usize::MAX = the static buffer, else index in `reply`
    pos: usize,
    active: bool,
}

/// Parser state for the query buffer (Redis: reqtype, multibulklen, bulklen).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReqType {
    #[default]
    None,
    Inline,
    Multibulk,
}

/// Redis: `struct client`.
pub struct Client {
    pub id: u64,            // monotonic, never reused (slab keys are)
    pub slot: usize,        // slab key = mio token
    pub conn: Option<Conn>, // None for fake clients
    pub addr: String,       // peer "ip:port" or "/path:0"
    pub laddr: String,      // local address
    pub fd: i32,
    pub unix: bool,
    pub name: Option<Vec<u8>>,
    pub db: usize,
    pub resp: u8, // 2 or 3
    pub authenticated: bool,
    pub user: crate::acl::UserId, // the ACL user the client runs as (Redis: c->user)
    pub flags: u64,
    pub ctime: i64,            // creation, ms
    pub last_interaction: i64, // ms, for `timeout` and CLIENT LIST idle
    // --- query buffer and parser ---
    pub querybuf: Vec<u8>,
    pub qb_pos: usize,
    pub querybuf_peak: usize,
    pub reqtype: ReqType,
    pub multibulklen: i64,
    pub bulklen: i64,
    pub argv: Vec<Vec<u8>>, // parsed arguments; inner buffers are reused
    pub argc: usize,
    pub argv_len_sum: usize,
    // --- replies ---
    pub buf: Vec<u8>,
    pub reply: VecDeque<Vec<u8>>,
    pub reply_bytes: usize, // bytes in `reply` blocks
    pub sentlen: usize,     // bytes of the first pending chunk already written
    pub buf_peak: usize,
    pub obuf_soft_limit_reached_time: i64,
    // --- command bookkeeping ---
    pub cmd: Option<usize>,
    pub lastcmd: Option<usize>,
    /// argv[0] exactly as last typed, and the top-level command it named:
    /// a client repeating a command skips the name lookup. (The name index
    /// only changes through rename-command, before any client connects.)
    pub name_cache: (Vec<u8>, usize),
    pub duration_us: u64, // how long the last call() ran (Redis: c->duration)
    pub cur_errors: u32,  // error replies emitted by the current command
    pub err_prefixes: Vec<String>, // their codes, drained by call() into errorstats
    pub critical_errors: Vec<String>, // errors a master/replica/AOF client got, for the log
    pub replica_replied: bool, // a replica's command generated a reply (it is disconnected)
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub pending_read: bool, // hit the read cap: more input may be waiting
    pub mstate: crate::multi::MultiState, // MULTI queue and WATCHed keys
    pub pubsub: crate::pubsub::ClientPubSub, // channels, patterns, shard channels
    pub obuf_check: bool,   // reply list grew: check output-buffer limits
    pub btype: BlockType,   // why CLIENT_BLOCKED is set
    pub postponed: Option<Vec<Vec<u8>>>, // argv of a command held by CLIENT PAUSE
    pub redacted: Vec<usize>, // argv positions hidden from SLOWLOG/MONITOR
    pub bpop: Option<Box<crate::blocked::BlockPop>>, // set while blocked on keys (BLPOP, ...)
    pub prop_argv: Option<Vec<Vec<u8>>>, // the form the command propagates in (replication::rewrite_argv)
    pub aof_marks: VecDeque<(u64, u64)>, // (output position, AOF position it waits for): aof/mod.rs
    pub write_cap: Option<u64>, // output may be written up to this net_output_bytes (AOF group commit)
    pub bulk: Option<Box<(Vec<u8>, usize)>>, // a replica's RDB payload, written before `buf` (bytes, sent)
    pub replconf: Option<Box<crate::replication::master::ReplConf>>, // what REPLCONF said
    pub repl_cmd_bytes: Vec<u8>,             // master link: bytes of the command being parsed
    pub woff: i64, // replication offset after its last propagated write (WAIT)
    pub wait_numreplicas: i64, // WAIT's target while blocked on it
}

/// Why a client is blocked. Redis: c->btype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BlockType {
    #[default]
    None,
    /// Held by CLIENT PAUSE; the command runs again on unpause.
    Postpone,
    /// SHUTDOWN waiting for replicas; answered only if the shutdown fails.
    Shutdown,
}

impl Client {
    pub fn new(id: u64, slot: usize, conn: Option<Conn>, now_ms: i64) -> Client {
        let buf = Vec::with_capacity(PROTO_REPLY_CHUNK_BYTES);
        Client {
            id,
            slot,
            conn,
            addr: String::new(),
            laddr: String::new(),
            fd: -1,
            unix: false,
            name: None,
            db: 0,
            resp: 2,
            authenticated: false,
            user: crate::acl::DEFAULT_USER,
            flags: 0,
            ctime: now_ms,
            last_interaction: now_ms,
            querybuf: Vec::new(),
            qb_pos: 0,
            querybuf_peak: 0,
            reqtype: ReqType::None,
            multibulklen: 0,
            bulklen: -1,
            argv: Vec::new(),
            argc: 0,
            argv_len_sum: 0,
            buf,
            reply: VecDeque::new(),
            reply_bytes: 0,
            sentlen: 0,
            buf_peak: PROTO_REPLY_CHUNK_BYTES,
            obuf_soft_limit_reached_time: 0,
            cmd: None,
            lastcmd: None,
            name_cache: (Vec::new(), 0),
            duration_us: 0,
            cur_errors: 0,
            err_prefixes: Vec::new(),
            critical_errors: Vec::new(),
            replica_replied: false,
            net_input_bytes: 0,
            net_output_bytes: 0,
            pending_read: false,
            mstate: Default::default(),
            pubsub: Default::default(),
            obuf_check: false,
            btype: BlockType::None,
            postponed: None,
            redacted: Vec::new(),
            bpop: None,
            prop_argv: None,
            aof_marks: VecDeque::new(),
            write_cap: None,
            bulk: None,
            replconf: None,
            repl_cmd_bytes: Vec::new(),
            woff: 0,
            wait_numreplicas: 0,
        }
    }

    /// Redis: mustObeyClient — the master's link or the AOF client, whose
    /// commands are never refused.
    pub fn must_obey(&self) -> bool {
        self.id == crate::aof::load::CLIENT_ID_AOF || self.flags & CLIENT_MASTER != 0
    }

    /// Drops every queued reply (the AOF client, which nobody reads).
    pub fn discard_replies(&mut self) {
        self.buf.clear();
        self.reply.clear();
        self.reply_bytes = 0;
        self.sentlen = 0;
    }

    /// Bytes queued and not yet written: a replica's payload, the buffer
    /// and the reply blocks.
    pub fn pending_len(&self) -> usize {
        let bulk = self.bulk.as_ref().map_or(0, |b| b.0.len() - b.1);
        let blocks: usize = self.reply.iter().map(|b| b.len()).sum();
        bulk + self.buf.len() + blocks - self.sentlen
    }

    pub fn has_pending_replies(&self) -> bool {
        !self.buf.is_empty() || !self.reply.is_empty() || self.bulk.is_some()
    }

    /// Bytes waiting in the reply list (Redis: getClientOutputBufferMemoryUsage).
    pub fn output_memory(&self) -> usize {
        self.reply_bytes
    }

    #[inline]
    fn replies_allowed(&mut self) -> bool {
        let f = self.flags;
        if f & (CLIENT_REPLY_OFF
            | CLIENT_REPLY_SKIP
            | CLIENT_CLOSE_ASAP
            | CLIENT_SLAVE
            | CLIENT_MASTER)
            == 0
        {
            return true;
        }
        // Redis: the master gets no replies (REPLCONF ACK is forced through).
        if f & (CLIENT_CLOSE_ASAP | CLIENT_MASTER) != 0 {
            return false;
        }
        // Redis: a replica gets no replies (the stream reaches it through
        // add_reply_raw_force); a monitor is flagged SLAVE too and does. A
        // command of a replica that wants to answer gets it disconnected
        // (Server::call, after the command).
        if f & CLIENT_SLAVE != 0 && f & CLIENT_MONITOR == 0 {
            self.replica_replied = true;
            return false;
        }
        // Redis: prepareClientToWrite lets pushes through REPLY OFF/SKIP.
        f & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP) == 0 || f & CLIENT_PUSHING != 0
    }

    /// Redis: _addReplyToBufferOrList.
    pub fn add_reply_raw(&mut self, s: &[u8]) {
        if !self.replies_allowed() {
            return;
        }
        self.add_reply_raw_force(s);
    }

    pub fn add_reply_raw_force(&mut self, s: &[u8]) {
        if self.reply.is_empty() {
            let room = PROTO_REPLY_CHUNK_BYTES.saturating_sub(self.buf.len());
            if s.len() <= room {
                self.buf.extend_from_slice(s);
                return;
            }
            let (a, b) = s.split_at(room);
            self.buf.extend_from_slice(a);
            self.add_to_list(b);
        } else {
            self.add_to_list(s);
        }
    }

    fn add_to_list(&mut self, s: &[u8]) {
        self.obuf_check = true;
        if let Some(tail) = self.reply.back_mut() {
            let room = tail.capacity() - tail.len();
            if room > 0 {
                let n = room.min(s.len());
                tail.extend_from_slice(&s[..n]);
                if n == s.len() {
                    return;
                }
                return self.add_to_list_new(&s[n..]);
            }
        }
        self.add_to_list_new(s)
    }

    fn add_to_list_new(&mut self, s: &[u8]) {
        let cap = s.len().max(PROTO_REPLY_CHUNK_BYTES);
        let mut v = Vec::with_capacity(cap);
        v.extend_from_slice(s);
        self.reply_bytes += cap;
        self.reply.push_back(v);
    }

    pub fn add_reply_status(&mut self, s: &str) {
        self.add_reply_raw_parts(b"+", s.as_bytes(), b"\r\n");
    }

    pub fn add_reply_ok(&mut self) {
        self.add_reply_raw(b"+OK\r\n");
    }

    fn add_reply_raw_parts(&mut self, a: &[u8], b: &[u8], c: &[u8]) {
        if !self.replies_allowed() {
            return;
        }
        let total = a.len() + b.len() + c.len();
        let dst = if self.reply.is_empty() {
            (self.buf.len() + total <= PROTO_REPLY_CHUNK_BYTES).then_some(&mut self.buf)
        } else {
            // A big reply: straight into the last block while it has room.
            self.obuf_check = true;
            self.reply
                .back_mut()
                .filter(|t| t.capacity() - t.len() >= total)
        };
        if let Some(dst) = dst {
            dst.extend_from_slice(a);
            dst.extend_from_slice(b);
            dst.extend_from_slice(c);
        } else {
            self.add_reply_raw_force(a);
            self.add_reply_raw_force(b);
            self.add_reply_raw_force(c);
        }
    }

    /// Redis: addReplyError / addReplyErrorLength. The text gets "-ERR " unless
    /// it already starts with '-' (a code such as "-WRONGTYPE ..."). Newlines
    /// are turned into spaces so the protocol stays intact.
    pub fn add_reply_error(&mut self, msg: &str) {
        let text: std::borrow::Cow<str> = if msg.contains(['\r', '\n']) {
            msg.replace(['\r', '\n'], " ").into()
        } else {
            msg.into()
        };
        let code = if let Some(rest) = text.strip_prefix('-') {
            rest.split(' ').next().unwrap_or("ERR").to_string()
        } else {
            "ERR".to_string()
        };
        self.cur_errors += 1;
        if self.err_prefixes.len() < 128 {
            self.err_prefixes.push(code);
        }
        // An error to our master, a replica or the AOF loader means the
        // datasets may diverge: account_errors logs it (Redis: the second
        // half of afterErrorReply).
        // (A monitor is flagged SLAVE too, but is no replica: getClientType.)
        let replica = self.flags & CLIENT_SLAVE != 0 && self.flags & CLIENT_MONITOR == 0;
        if (self.flags & CLIENT_MASTER != 0
            || replica
            || self.id == crate::aof::load::CLIENT_ID_AOF)
            && self.critical_errors.len() < 128
        {
            self.critical_errors.push(text.to_string());
        }
        if text.starts_with('-') {
            self.add_reply_raw_parts(b"", text.as_bytes(), b"\r\n");
        } else {
            self.add_reply_raw_parts(b"-ERR ", text.as_bytes(), b"\r\n");
        }
    }

    /// Errors whose text already carries its code, without the leading '-'
    /// (e.g. "WRONGTYPE Operation against ..."). Redis: addReplyErrorObject.
    pub fn add_reply_error_code(&mut self, full: &str) {
        let mut s = String::with_capacity(full.len() + 1);
        s.push('-');
        s.push_str(full);
        self.add_reply_error(&s);
    }

    pub fn add_reply_wrongtype(&mut self) {
        self.add_reply_error(shared::WRONGTYPE);
    }
    pub fn add_reply_syntax_err(&mut self) {
        self.add_reply_error(shared::SYNTAX_ERR);
    }

    fn add_len(&mut self, prefix: u8, n: i64) {
        /// Room for the prefix, an i64 and CRLF.
        const MAX: usize = 24;
        fn put(out: &mut [u8], prefix: u8, n: i64) -> usize {
            out[0] = prefix;
            let len = 1 + write_i64_slice(&mut out[1..], n);
            out[len..len + 2].copy_from_slice(b"\r\n");
            len + 2
        }
        if self.reply.is_empty()
            && self.buf.len() + MAX <= PROTO_REPLY_CHUNK_BYTES
            && self.replies_allowed()
        {
            // Formatted in place: 24 bytes reserved (a fixed-size fill is a
            // few stores), the unused tail cut off again. Formatting into a
            // scratch array and copying it over cost a memmove call per
            // header (2.7% of LPUSH at P=64).
            let at = self.buf.len();
            self.buf.extend_from_slice(&[0u8; MAX]);
            let len = put(&mut self.buf[at..], prefix, n);
            self.buf.truncate(at + len);
            return;
        }
        let mut tmp = [0u8; MAX];
        let len = put(&mut tmp, prefix, n);
        self.add_reply_raw(&tmp[..len]);
    }

    pub fn add_reply_long(&mut self, n: i64) {
        if n == 0 {
            return self.add_reply_raw(b":0\r\n");
        }
        if n == 1 {
            return self.add_reply_raw(b":1\r\n");
        }
        self.add_len(b':', n);
    }

    pub fn add_reply_array_len(&mut self, n: usize) {
        self.add_len(b'*', n as i64);
    }
    pub fn add_reply_map_len(&mut self, n: usize) {
        if self.resp >= 3 {
            self.add_len(b'%', n as i64)
        } else {
            self.add_len(b'*', 2 * n as i64)
        }
    }
    pub fn add_reply_set_len(&mut self, n: usize) {
        if self.resp >= 3 {
            self.add_len(b'~', n as i64)
        } else {
            self.add_len(b'*', n as i64)
        }
    }
    pub fn add_reply_push_len(&mut self, n: usize) {
        if self.resp >= 3 {
            self.add_len(b'>', n as i64)
        } else {
            self.add_len(b'*', n as i64)
        }
    }
    /// Array of key/value pairs flattened in RESP2, pairs in RESP3 where
    /// Redis uses a nested array (e.g. HRANDFIELD WITHVALUES).
    pub fn add_reply_null(&mut self) {
        if self.resp >= 3 {
            self.add_reply_raw(b"_\r\n")
        } else {
            self.add_reply_raw(b"$-1\r\n")
        }
    }
    pub fn add_reply_null_array(&mut self) {
        if self.resp >= 3 {
            self.add_reply_raw(b"_\r\n")
        } else {
            self.add_reply_raw(b"*-1\r\n")
        }
    }
    pub fn add_reply_bool(&mut self, b: bool) {
        if self.resp >= 3 {
            self.add_reply_raw(if b { b"#t\r\n" } else { b"#f\r\n" })
        } else {
            self.add_reply_long(b as i64)
        }
    }

    pub fn add_reply_bulk(&mut self, s: &[u8]) {
        if !self.replies_allowed() {
            return;
        }
        let mut hdr = [0u8; 24];
        hdr[0] = b'$';
        let n = 1 + write_i64_slice(&mut hdr[1..], s.len() as i64);
        hdr[n] = b'\r';
        hdr[n + 1] = b'\n';
        self.add_reply_raw_parts(&hdr[..n + 2], s, b"\r\n");
    }
    pub fn add_reply_bulk_str(&mut self, s: &str) {
        self.add_reply_bulk(s.as_bytes());
    }
    pub fn add_reply_bulk_i64(&mut self, n: i64) {
        let mut tmp = [0u8; 21];
        let len = write_i64_slice(&mut tmp, n);
        self.add_reply_bulk(&tmp[..len]);
    }

    /// A list, hash or sorted-set element as a bulk string, whether the
    /// listpack holds it as an integer or as bytes.
    pub fn add_reply_lp_entry(&mut self, e: LpEntry<'_>) {
        match e {
            LpEntry::Int(v) => self.add_reply_bulk_i64(v),
            LpEntry::Str(b) => self.add_reply_bulk(b),
        }
    }

    /// A set member as a bulk string, from an intset or a hashtable.
    pub fn add_reply_set_ele(&mut self, e: SetEle<'_>) {
        match e {
            SetEle::Int(v) => self.add_reply_bulk_i64(v),
            SetEle::Str(b) => self.add_reply_bulk(b),
        }
    }

    /// Redis: addReplyDouble. RESP2: a bulk string of "%.17g"; RESP3: a double.
    pub fn add_reply_double(&mut self, d: f64) {
        let s = if d.is_infinite() {
            if d > 0.0 {
                "inf".to_string()
            } else {
                "-inf".to_string()
            }
        } else if d.is_nan() {
            "nan".to_string()
        } else {
            util::fmt_g17(d)
        };
        if self.resp >= 3 {
            self.add_reply_raw_parts(b",", s.as_bytes(), b"\r\n");
        } else {
            self.add_reply_bulk(s.as_bytes());
        }
    }

    /// Redis: addReplyVerbatim. RESP3 "=len\r\ntxt:..." or a plain bulk.
    pub fn add_reply_verbatim(&mut self, s: &[u8], ext: &str) {
        if self.resp >= 3 {
            let mut v = Vec::with_capacity(s.len() + 4);
            v.extend_from_slice(ext.as_bytes());
            v.push(b':');
            v.extend_from_slice(s);
            self.add_len(b'=', v.len() as i64);
            self.add_reply_raw_parts(b"", &v, b"\r\n");
        } else {
            self.add_reply_bulk(s);
        }
    }

    pub fn add_reply_bulks<I, S>(&mut self, items: I)
    where
        I: ExactSizeIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.add_reply_array_len(items.len());
        for s in items {
            self.add_reply_bulk(s.as_ref());
        }
    }

    /// Redis: addReplyHelp.
    pub fn add_reply_help(&mut self, cmd: &[u8], lines: &[&str]) {
        let upper = String::from_utf8_lossy(cmd).to_uppercase();
        self.add_reply_array_len(lines.len() + 3);
        self.add_reply_status(&format!(
            "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            upper
        ));
        for l in lines {
            self.add_reply_status(l);
        }
        self.add_reply_status("HELP");
        self.add_reply_status("    Prints this help.");
    }

    /// Redis: addReplySubcommandSyntaxError.
    pub fn add_reply_subcommand_syntax_error(&mut self, cmd: &[u8], sub: &[u8]) {
        let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]).into_owned();
        let cmd = String::from_utf8_lossy(cmd).to_uppercase();
        self.add_reply_error(&format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
            sub, cmd
        ));
    }

    /// Redis: addReplyDeferredLen. Remembers where a length header goes.
    pub fn add_reply_deferred_len(&mut self) -> Deferred {
        if !self.replies_allowed() {
            return Deferred {
                block: 0,
                pos: 0,
                active: false,
            };
        }
        if self.reply.is_empty() {
            Deferred {
                block: usize::MAX,
                pos: self.buf.len(),
                active: true,
            }
        } else {
            let b = self.reply.len() - 1;
            Deferred {
                block: b,
                pos: self.reply[b].len(),
                active: true,
            }
        }
    }

    fn set_deferred(&mut self, d: Deferred, prefix: u8, n: i64) {
        if !d.active {
            return;
        }
        let mut tmp = [0u8; 24];
        tmp[0] = prefix;
        let len = 1 + write_i64_slice(&mut tmp[1..], n);
        tmp[len] = b'\r';
        tmp[len + 1] = b'\n';
        let hdr = &tmp[..len + 2];
        let target = if d.block == usize::MAX {
            &mut self.buf
        } else {
            &mut self.reply[d.block]
        };
        let before = target.capacity();
        target.splice(d.pos..d.pos, hdr.iter().copied());
        if d.block != usize::MAX {
            self.reply_bytes += target.capacity() - before;
        }
    }
    /// Redis: setDeferredReplyBulkSds — a bulk string where the deferred
    /// header was reserved (XAUTOCLAIM's cursor).
    pub fn set_deferred_bulk(&mut self, d: Deferred, s: &[u8]) {
        if !d.active {
            return;
        }
        let mut v = format!("${}\r\n", s.len()).into_bytes();
        v.extend_from_slice(s);
        v.extend_from_slice(b"\r\n");
        let target = if d.block == usize::MAX {
            &mut self.buf
        } else {
            &mut self.reply[d.block]
        };
        let before = target.capacity();
        target.splice(d.pos..d.pos, v);
        if d.block != usize::MAX {
            self.reply_bytes += target.capacity() - before;
        }
    }
    pub fn set_deferred_array_len(&mut self, d: Deferred, n: usize) {
        self.set_deferred(d, b'*', n as i64)
    }
    pub fn set_deferred_map_len(&mut self, d: Deferred, n: usize) {
        if self.resp >= 3 {
            self.set_deferred(d, b'%', n as i64)
        } else {
            self.set_deferred(d, b'*', 2 * n as i64)
        }
    }
    pub fn set_deferred_set_len(&mut self, d: Deferred, n: usize) {
        if self.resp >= 3 {
            self.set_deferred(d, b'~', n as i64)
        } else {
            self.set_deferred(d, b'*', n as i64)
        }
    }

    /// Read once from the socket into the query buffer. Returns bytes read
    /// (0 = EOF). Redis: readQueryFromClient.
    pub fn read_from_socket(&mut self, scratch: &mut [u8], readlen: usize) -> io::Result<usize> {
        let conn = match self.conn.as_mut() {
            Some(c) => c,
            None => return Ok(0),
        };
        if self.qb_pos > 0 && self.qb_pos == self.querybuf.len() {
            self.querybuf.clear();
            self.qb_pos = 0;
        }
        // Like sdsMakeRoomFor: the query buffer has room for a full read
        // (CLIENT LIST's qbuf-free and the query-buffer resizing see it).
        self.querybuf.reserve(readlen);
        let res = if readlen <= scratch.len() {
            // Ordinary reads go through the server-wide 16 KiB scratch buffer
            // (initialised once) and append what arrived: a copy of n bytes
            // instead of zeroing a fresh area of the query buffer each time.
            conn.read(&mut scratch[..readlen])
                .inspect(|&n| self.querybuf.extend_from_slice(&scratch[..n]))
        } else {
            // The rest of a big argument is read straight into the query
            // buffer, so the scratch buffer never grows (it would count in
            // used_memory for good).
            let old = self.querybuf.len();
            self.querybuf.resize(old + readlen, 0);
            let r = conn.read(&mut self.querybuf[old..]);
            self.querybuf.truncate(old + *r.as_ref().unwrap_or(&0));
            r
        };
        match res {
            Ok(n) => {
                self.net_input_bytes += n as u64;
                if self.querybuf.len() > self.querybuf_peak {
                    self.querybuf_peak = self.querybuf.len();
                }
                Ok(n)
            }
            Err(e) => Err(e),
        }
    }

    /// Write as much of the pending output as the socket takes. Returns
    /// Ok(true) when everything was written. Redis: writeToClient.
    pub fn write_to_socket(&mut self) -> io::Result<bool> {
        loop {
            let conn = match self.conn.as_mut() {
                Some(c) => c,
                None => {
                    self.buf.clear();
                    self.reply.clear();
                    self.reply_bytes = 0;
                    return Ok(true);
                }
            };
            // Under `appendfsync always` output may wait for an fsync
            // (aof/mod.rs, "Group commit"): only `write_cap` bytes in all.
            let allowed = match self.write_cap {
                Some(cap) if cap <= self.net_output_bytes => return Ok(false),
                Some(cap) => (cap - self.net_output_bytes) as usize,
                None => usize::MAX,
            };
            if let Some(bulk) = self.bulk.as_mut() {
                // A replica's RDB payload goes out before anything queued after it.
                let end = bulk.0.len().min(bulk.1.saturating_add(allowed));
                match conn.write(&bulk.0[bulk.1..end]) {
                    Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "write zero")),
                    Ok(n) => {
                        self.net_output_bytes += n as u64;
                        bulk.1 += n;
                        if bulk.1 == bulk.0.len() {
                            self.bulk = None;
                        }
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            if self.buf.is_empty() && self.reply.is_empty() {
                self.sentlen = 0;
                return Ok(true);
            }
            // Gather up to a few chunks into one writev.
            let mut parts: [&[u8]; 8] = [&[]; 8];
            let mut n = 0;
            let mut skip = self.sentlen;
            let mut room = allowed;
            if !self.buf.is_empty() {
                parts[0] = clip(&self.buf[skip..], &mut room);
                skip = 0;
                n = 1;
            }
            for blk in self.reply.iter() {
                if n == parts.len() || room == 0 {
                    break;
                }
                if blk.is_empty() {
                    continue;
                }
                parts[n] = clip(&blk[skip..], &mut room);
                skip = 0;
                n += 1;
            }
            let slices: [io::IoSlice; 8] = std::array::from_fn(|i| io::IoSlice::new(parts[i]));
            let res = if n == 1 {
                conn.write(&slices[0])
            } else {
                conn.write_vectored(&slices[..n])
            };
            match res {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "write zero")),
                Ok(mut written) => {
                    self.net_output_bytes += written as u64;
                    if !self.buf.is_empty() {
                        let left = self.buf.len() - self.sentlen;
                        if written >= left {
                            written -= left;
                            self.buf.clear();
                            self.sentlen = 0;
                        } else {
                            self.sentlen += written;
                            return Ok(false);
                        }
                    }
                    while written > 0 || self.reply.front().is_some_and(|b| b.is_empty()) {
                        let Some(front) = self.reply.front() else {
                            break;
                        };
                        let left = front.len() - self.sentlen;
                        if written >= left {
                            written -= left;
                            let b = self.reply.pop_front().unwrap();
                            self.reply_bytes -= b.capacity();
                            self.sentlen = 0;
                        } else {
                            self.sentlen += written;
                            written = 0;
                        }
                    }
                    if self.buf.is_empty() && self.reply.is_empty() {
                        self.sentlen = 0;
                        if self.buf.capacity() > PROTO_REPLY_CHUNK_BYTES * 4 {
                            self.buf = Vec::with_capacity(PROTO_REPLY_CHUNK_BYTES);
                        }
                        return Ok(true);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The `flags=` letters of CLIENT LIST. Redis: catClientInfoString.
    pub fn flags_string(&self) -> String {
        let f = self.flags;
        let mut s = String::new();
        if f & CLIENT_SLAVE != 0 {
            s.push(if f & CLIENT_MONITOR != 0 { 'O' } else { 'S' });
        }
        if f & CLIENT_MASTER != 0 {
            s.push('M');
        }
        if f & CLIENT_PUBSUB != 0 {
            s.push('P');
        }
        if self.mstate.active {
            s.push('x');
        }
        if f & CLIENT_BLOCKED != 0 {
            s.push('b');
        }
        if f & CLIENT_DIRTY_CAS != 0 {
            s.push('d');
        }
        if f & CLIENT_CLOSE_AFTER_REPLY != 0 {
            s.push('c');
        }
        if f & CLIENT_UNBLOCKED != 0 {
            s.push('u');
        }
        if f & CLIENT_CLOSE_ASAP != 0 {
            s.push('A');
        }
        if self.bpop.is_some() {
            s.push('b');
        }
        if self.unix {
            s.push('U');
        }
        if f & CLIENT_NO_EVICT != 0 {
            s.push('e');
        }
        if s.is_empty() {
            s.push('N');
        }
        s
    }
}

/// At most `room` bytes of `part`; `room` shrinks by what is taken.
#[inline]
fn clip<'a>(part: &'a [u8], room: &mut usize) -> &'a [u8] {
    let p = &part[..part.len().min(*room)];
    *room -= p.len();
    p
}
