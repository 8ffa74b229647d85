//! Loading the AOF: the base, then every INCR file, replayed through the
//! command handlers. Redis counterpart: aof.c, the "AOF loading" banner
//! (loadSingleAppendOnlyFile, loadAppendOnlyFiles, createAOFClient) with
//! aofUpgradePrepare, and debug.c's DEBUG LOADAOF.
//!
//! Each file is read into memory and parsed command by command, as Redis
//! reads it with fgets/fread: `*<argc>`, then `$<len>` and the bytes of each
//! argument. A file that starts with "REDIS" is an RDB image first (a base
//! written with `aof-use-rdb-preamble`, or an old single-file AOF with an
//! RDB preamble followed by commands). Commands run on a client without a
//! connection, as the AOF client of Redis: no reply, never blocked, inside
//! MULTI queued until EXEC. Every 1024 commands the loop serves the other
//! clients (they get -LOADING).
//!
//! A file that ends in the middle of a command (or of a MULTI) is an
//! "unexpected end of file": with `aof-load-truncated yes` and in the last
//! file it is cut back to the last complete command and the load goes on,
//! otherwise the server refuses to start, with Redis's words.
//! Divergence: a command whose argument count does not fit its arity is a
//! format error here; Redis would call the handler and could crash.

use std::path::Path;

use super::manifest::{self, AofInfo, Manifest};
use super::{dir, AofStatus};
use crate::networking::client::{CLIENT_DENY_BLOCKING, CLIENT_REPLY_OFF};
use crate::networking::Client;
use crate::server::command::{CMD_X_EXEC, CMD_X_MULTI};
use crate::server::Server;
use crate::server_log;
use oxidis_ds::util;

/// The id of the client that replays the AOF. Redis: CLIENT_ID_AOF.
pub const CLIENT_ID_AOF: u64 = u64::MAX;

/// Longest header line read at once. Redis: AOF_ANNOTATION_LINE_MAX_LEN.
const LINE_MAX: usize = 1024;

/// How loading a file or the whole AOF ended. Redis: AOF_OK, AOF_NOT_EXIST,
/// AOF_EMPTY, AOF_OPEN_ERR, AOF_FAILED, AOF_TRUNCATED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadStatus {
    Ok,
    NotExist,
    Empty,
    OpenErr,
    Failed,
    Truncated,
}

/// A cursor over a file's bytes with fgets/fread semantics.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    /// fgets: up to LINE_MAX - 1 bytes, through the newline; None at EOF.
    fn line(&mut self) -> Option<&[u8]> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let max = rest.len().min(LINE_MAX - 1);
        let n = match rest[..max].iter().position(|&c| c == b'\n') {
            Some(i) => i + 1,
            None => max,
        };
        self.pos += n;
        Some(&rest[..n])
    }

    /// fread of exactly `n` bytes; None (and the cursor at the end) when
    /// the file is shorter.
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.data.len() - self.pos < n {
            self.pos = self.data.len();
            return None;
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Some(s)
    }
}

/// Why reading a command stopped.
enum ReadEnd {
    Eof,       // the file ended where a command could start
    ShortRead, // the file ended inside a command
    Format,    // not the AOF format
}

/// Reads one command: `*<argc>` then argc `$<len>` + bytes + CRLF.
/// Annotation lines (`#...`) are skipped.
fn read_command(cur: &mut Cursor<'_>) -> Result<Vec<Vec<u8>>, ReadEnd> {
    let header = loop {
        let Some(line) = cur.line() else {
            return Err(ReadEnd::Eof);
        };
        if line.first() != Some(&b'#') {
            break line;
        }
    };
    if header[0] != b'*' {
        return Err(ReadEnd::Format);
    }
    if header.len() == 1 {
        return Err(ReadEnd::ShortRead);
    }
    let argc = util::atoi(&header[1..]);
    if argc < 1 {
        return Err(ReadEnd::Format);
    }
    let mut argv = Vec::with_capacity((argc as usize).min(1024));
    for _ in 0..argc {
        let Some(line) = cur.line() else {
            return Err(ReadEnd::ShortRead);
        };
        if line[0] != b'$' {
            return Err(ReadEnd::Format);
        }
        let len = util::atoi(&line[1..]);
        if len < 0 {
            return Err(ReadEnd::Format);
        }
        let Some(arg) = cur.take(len as usize) else {
            return Err(ReadEnd::ShortRead);
        };
        let arg = arg.to_vec();
        if cur.take(2).is_none() {
            return Err(ReadEnd::ShortRead);
        }
        argv.push(arg);
    }
    Ok(argv)
}

/// Redis: createAOFClient.
fn aof_client() -> Client {
    let mut c = Client::new(CLIENT_ID_AOF, usize::MAX - 2, None, 0);
    c.flags |= CLIENT_DENY_BLOCKING | CLIENT_REPLY_OFF;
    c.authenticated = true;
    c.user = crate::acl::SUPERUSER;
    c
}

/// Redis: loadSingleAppendOnlyFile.
fn load_single_file(
    s: &mut Server,
    name: &str,
    process_events: &mut dyn FnMut(&mut Server),
) -> LoadStatus {
    let path = dir(s).join(name);
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            server_log!(
                Warning,
                "The append log file {} doesn't exist: {}",
                name,
                crate::rdb::save::strerror(&e)
            );
            return LoadStatus::NotExist;
        }
        Err(e) => {
            server_log!(
                Warning,
                "Fatal error: can't open the append log file {} for reading: {}",
                name,
                crate::rdb::save::strerror(&e)
            );
            return LoadStatus::OpenErr;
        }
    };
    if data.is_empty() {
        return LoadStatus::Empty;
    }
    // Redis: AOF off while loading, so EXEC does not feed the file read.
    let old_status = std::mem::replace(&mut s.aof.status, AofStatus::Off);
    let mut c = aof_client();
    let status = replay(s, &mut c, name, &data, &path, process_events);
    s.free_client_multi_state(&mut c);
    s.aof.status = old_status;
    status
}

/// The body of loadSingleAppendOnlyFile: the RDB part, then the commands.
fn replay(
    s: &mut Server,
    c: &mut Client,
    name: &str,
    data: &[u8],
    path: &Path,
    process_events: &mut dyn FnMut(&mut Server),
) -> LoadStatus {
    let mut cur = Cursor { data, pos: 0 };
    let base_loaded = s.rdb.loading_loaded_bytes;
    if data.starts_with(b"REDIS") {
        let old_style = name == s.config.appendfilename;
        if old_style {
            server_log!(Notice, "Reading RDB preamble from AOF file...");
        } else {
            server_log!(Notice, "Reading RDB base file on AOF loading...");
        }
        match crate::rdb::load::load_rio(s, data, crate::rdb::RDBFLAGS_AOF_PREAMBLE, process_events)
        {
            Ok(n) => {
                cur.pos = n;
                s.rdb.loading_loaded_bytes = base_loaded + n as u64;
                if old_style {
                    server_log!(Notice, "Reading the remaining AOF tail...");
                }
            }
            Err(_) => {
                if old_style {
                    server_log!(
                        Warning,
                        "Error reading the RDB preamble of the AOF file {}, AOF loading aborted",
                        name
                    );
                } else {
                    server_log!(
                        Warning,
                        "Error reading the RDB base file {}, AOF loading aborted",
                        name
                    );
                }
                return unexpected_eof_or_fail(s, name, path, None);
            }
        }
    }
    let truncated_ok = s.config.aof_load_truncated;
    let mut valid_up_to = cur.pos;
    let mut valid_before_multi = cur.pos;
    let mut loops = 0u64;
    loop {
        if loops.is_multiple_of(1024) {
            s.rdb.loading_loaded_bytes = base_loaded + cur.pos as u64;
            process_events(s);
        }
        loops += 1;
        let argv = match read_command(&mut cur) {
            Ok(a) => a,
            Err(ReadEnd::Eof) => break,
            Err(ReadEnd::ShortRead) => {
                return unexpected_eof_or_fail(s, name, path, Some(valid_up_to));
            }
            Err(ReadEnd::Format) => return format_error(name),
        };
        let Some(idx) = s.commands.lookup(&argv) else {
            return unknown_command(name, &argv);
        };
        let cmd = s.commands.get(idx);
        let Some(proc_) = cmd.proc_ else {
            return unknown_command(name, &argv);
        };
        let arity = cmd.arity();
        if (arity > 0 && arity as usize != argv.len()) || (argv.len() as i64) < -(arity as i64) {
            return format_error(name);
        }
        let flags = cmd.flags();
        if flags & CMD_X_MULTI != 0 {
            valid_before_multi = valid_up_to;
        }
        c.cmd = Some(idx);
        c.lastcmd = Some(idx);
        if c.mstate.active && flags & CMD_X_EXEC == 0 {
            crate::multi::queue_command(c, idx, flags, &argv);
        } else {
            proc_(s, c, &argv);
        }
        c.discard_replies();
        if truncated_ok {
            valid_up_to = cur.pos;
        }
        if s.config.key_load_delay != 0 {
            crate::rdb::save::debug_delay(s.config.key_load_delay);
        }
    }
    s.rdb.loading_loaded_bytes = base_loaded + cur.pos as u64;
    // Redis: a file that ends inside MULTI is handled as a short read.
    if c.mstate.active {
        server_log!(
            Warning,
            "Revert incomplete MULTI/EXEC transaction in AOF file {}",
            name
        );
        return unexpected_eof_or_fail(s, name, path, Some(valid_before_multi));
    }
    LoadStatus::Ok
}

fn format_error(name: &str) -> LoadStatus {
    server_log!(
        Warning,
        "Bad file format reading the append only file {}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>",
        name
    );
    LoadStatus::Failed
}

fn unknown_command(name: &str, argv: &[Vec<u8>]) -> LoadStatus {
    server_log!(
        Warning,
        "Unknown command '{}' reading the append only file {}",
        String::from_utf8_lossy(&argv[0]),
        name
    );
    LoadStatus::Failed
}

/// The `uxeof` label of loadSingleAppendOnlyFile: truncate the file to the
/// last complete command when `aof-load-truncated` allows, else fail.
fn unexpected_eof_or_fail(
    s: &mut Server,
    name: &str,
    path: &Path,
    valid_up_to: Option<usize>,
) -> LoadStatus {
    if s.config.aof_load_truncated {
        server_log!(
            Warning,
            "!!! Warning: short read while loading the AOF file {}!!!",
            name
        );
        match valid_up_to {
            None => {
                server_log!(
                    Warning,
                    "!!! Truncating the AOF {} at offset 18446744073709551615 !!!",
                    name
                );
                server_log!(Warning, "Last valid command offset is invalid");
            }
            Some(off) => {
                server_log!(
                    Warning,
                    "!!! Truncating the AOF {} at offset {} !!!",
                    name,
                    off
                );
                let r = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|f| f.set_len(off as u64));
                match r {
                    Ok(()) => {
                        server_log!(
                            Warning,
                            "AOF {} loaded anyway because aof-load-truncated is enabled",
                            name
                        );
                        return LoadStatus::Truncated;
                    }
                    Err(e) => server_log!(
                        Warning,
                        "Error truncating the AOF file {}: {}",
                        name,
                        crate::rdb::save::strerror(&e)
                    ),
                }
            }
        }
    }
    server_log!(
        Warning,
        "Unexpected end of file reading the append only file {}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
        name
    );
    LoadStatus::Failed
}

/// Redis: aofUpgradePrepare — an old single-file `appendonly.aof` in the
/// data folder becomes the base of a new multi-part AOF. Exits on failure.
fn upgrade_prepare(s: &mut Server) {
    let Ok(dir) = super::ensure_dir(s) else {
        std::process::exit(1);
    };
    let name = s.config.appendfilename.clone();
    let am = &mut s.aof.manifest;
    am.base = Some(AofInfo {
        name: name.clone(),
        seq: 1,
        kind: manifest::FileType::Base,
    });
    am.curr_base_seq = 1;
    am.dirty = true;
    if manifest::persist(am, &dir, &name).is_err() {
        std::process::exit(1);
    }
    if let Err(e) = std::fs::rename(&name, dir.join(&name)) {
        server_log!(
            Warning,
            "Error trying to move the old AOF file {} into dir {}: {}",
            name,
            dir.display(),
            crate::rdb::save::strerror(&e)
        );
        std::process::exit(1);
    }
    server_log!(
        Notice,
        "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
        name,
        dir.display()
    );
}

/// Redis: loadAppendOnlyFiles — the base, then the INCR files, in the
/// manifest's order.
pub fn load_append_only_files(
    s: &mut Server,
    process_events: &mut dyn FnMut(&mut Server),
) -> LoadStatus {
    let dir = dir(s);
    let aof_filename = s.config.appendfilename.clone();
    if Path::new(&aof_filename).is_file() {
        let am = &s.aof.manifest;
        let only_old_base = am.incr.is_empty()
            && am
                .base
                .as_ref()
                .is_some_and(|b| b.name == aof_filename && !dir.join(&aof_filename).is_file());
        if !dir.is_dir() || (am.base.is_none() && am.incr.is_empty()) || only_old_base {
            upgrade_prepare(s);
        }
    }
    let am: Manifest = s.aof.manifest.clone();
    if am.base.is_none() && am.incr.is_empty() {
        return LoadStatus::NotExist;
    }
    let files: Vec<AofInfo> = am.files_to_load().cloned().collect();
    let mut total = 0u64;
    for f in &files {
        match std::fs::metadata(dir.join(&f.name)) {
            Ok(m) => total += m.len(),
            Err(e) => {
                server_log!(
                    Warning,
                    "Unable to obtain the AOF file {} length. stat: {}",
                    f.name,
                    crate::rdb::save::strerror(&e)
                );
                // A file in the manifest but not on disk is fatal.
                return LoadStatus::Failed;
            }
        }
    }
    if total == 0 {
        return LoadStatus::Empty;
    }
    crate::rdb::load::start_loading(s, total);
    let mut ret = LoadStatus::Ok;
    let mut base_size = 0;
    let n = files.len();
    for (i, f) in files.iter().enumerate() {
        let last = i + 1 == n;
        let is_base = f.kind == manifest::FileType::Base;
        if is_base {
            base_size = std::fs::metadata(dir.join(&f.name)).map_or(0, |m| m.len());
        }
        let start = util::ustime();
        ret = load_single_file(s, &f.name, process_events);
        if ret == LoadStatus::Ok || (ret == LoadStatus::Truncated && last) {
            server_log!(
                Notice,
                "DB loaded from {} file {}: {:.3} seconds",
                if is_base { "base" } else { "incr" },
                f.name,
                (util::ustime() - start) as f64 / 1e6
            );
        }
        // An empty INCR file is fine when another file has data.
        if ret == LoadStatus::Empty && !is_base {
            ret = LoadStatus::Ok;
        }
        if ret == LoadStatus::Truncated && !last {
            ret = LoadStatus::Failed;
            server_log!(
                Warning,
                "Fatal error: the truncated file is not the last file"
            );
        }
        if matches!(ret, LoadStatus::OpenErr | LoadStatus::Failed) {
            break;
        }
    }
    if matches!(
        ret,
        LoadStatus::Ok | LoadStatus::Truncated | LoadStatus::Empty
    ) {
        s.aof.current_size = total;
        s.aof.rewrite_base_size = base_size;
    }
    crate::rdb::load::stop_loading(s);
    ret
}

/// Redis: loadDataFromDisk's AOF branch — logs and exits on a failure.
pub fn load_data_from_disk(s: &mut Server, process_events: &mut dyn FnMut(&mut Server)) {
    let start = util::ustime();
    match load_append_only_files(s, process_events) {
        LoadStatus::Failed | LoadStatus::OpenErr => std::process::exit(1),
        LoadStatus::NotExist => {}
        LoadStatus::Ok | LoadStatus::Truncated | LoadStatus::Empty => server_log!(
            Notice,
            "DB loaded from append only file: {:.3} seconds",
            (util::ustime() - start) as f64 / 1e6
        ),
    }
}

/// Redis: DEBUG LOADAOF — flush the AOF, empty the dataset and load it
/// again from the manifest.
pub fn debug_loadaof(s: &mut Server, c: &mut Client) {
    if s.aof.is_on() {
        super::flush(s, true);
    }
    s.empty_data(None);
    s.scripting.functions.flush();
    super::load_manifest_from_disk(s);
    let _ = super::del_history_files(s);
    let ret = load_append_only_files(s, &mut |_| {});
    if ret != LoadStatus::Ok && ret != LoadStatus::Empty {
        std::process::exit(1);
    }
    s.dirty = 0;
    server_log!(Warning, "Append Only File loaded by DEBUG LOADAOF");
    c.add_reply_ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(data: &[u8]) -> (Vec<Vec<Vec<u8>>>, &'static str) {
        let mut cur = Cursor { data, pos: 0 };
        let mut out = Vec::new();
        loop {
            match read_command(&mut cur) {
                Ok(a) => out.push(a),
                Err(ReadEnd::Eof) => return (out, "eof"),
                Err(ReadEnd::ShortRead) => return (out, "short"),
                Err(ReadEnd::Format) => return (out, "format"),
            }
        }
    }

    #[test]
    fn commands_and_annotations_parse_as_redis_reads_them() {
        let (c, end) = cmds(
            b"#TS:123\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$0\r\n\r\n",
        );
        assert_eq!(end, "eof");
        assert_eq!(c.len(), 2);
        assert_eq!(c[1], vec![b"set".to_vec(), b"k".to_vec(), b"".to_vec()]);
    }

    #[test]
    fn damage_is_told_apart() {
        assert_eq!(cmds(b"*2\r\n$3\r\nget\r\n$1\r\n").1, "short");
        assert_eq!(cmds(b"*2\r\n$3\r\nget\r\n$1").1, "short");
        assert_eq!(cmds(b"*").1, "short");
        assert_eq!(cmds(b"+OK\r\n").1, "format");
        assert_eq!(cmds(b"*0\r\n").1, "format");
        assert_eq!(cmds(b"*1\r\n:1\r\n").1, "format");
        assert_eq!(cmds(b"*1\r\n$-1\r\n").1, "format");
    }
}
