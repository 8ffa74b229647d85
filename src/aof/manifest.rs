//! The AOF manifest: which files make up the append-only file. Redis
//! counterpart: aof.c, the "AOF Manifest file implementation" banner.
//!
//! Redis 7's AOF is a folder (`appenddirname`) holding one BASE file (the
//! dataset at the last rewrite, RDB or commands), INCR files (the commands
//! since), and the manifest that lists them in order, one line each:
//!
//! ```text
//! file appendonly.aof.2.base.rdb seq 2 type b
//! file appendonly.aof.1.incr.aof seq 1 type h
//! file appendonly.aof.3.incr.aof seq 3 type i
//! ```
//!
//! `b` is the base, `i` an INCR file to replay, `h` a history file left by a
//! rewrite and deleted in the background. The base comes first, then history,
//! then INCR files in increasing `seq`. A rewrite never edits a file in
//! place: it writes new files and then swaps the manifest atomically (temp
//! file, fsync, rename, fsync of the folder), so a crash at any point leaves
//! a manifest whose files all exist.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use oxidis_ds::util;

use crate::server_log;

pub const BASE_FILE_SUFFIX: &str = ".base";
pub const INCR_FILE_SUFFIX: &str = ".incr";
pub const RDB_FORMAT_SUFFIX: &str = ".rdb";
pub const AOF_FORMAT_SUFFIX: &str = ".aof";
pub const MANIFEST_NAME_SUFFIX: &str = ".manifest";
pub const TEMP_FILE_NAME_PREFIX: &str = "temp-";

/// Redis: MANIFEST_MAX_LINE.
const MANIFEST_MAX_LINE: usize = 1024;

/// The role of a file in the manifest. Redis: AOF_FILE_TYPE_*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Base,
    History,
    Incr,
}

impl FileType {
    fn letter(self) -> char {
        match self {
            FileType::Base => 'b',
            FileType::History => 'h',
            FileType::Incr => 'i',
        }
    }
}

/// One file of the manifest. Redis: aofInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofInfo {
    pub name: String,
    pub seq: i64,
    pub kind: FileType,
}

/// Redis: aofManifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofInfo>,
    pub incr: Vec<AofInfo>,
    pub history: Vec<AofInfo>,
    pub curr_base_seq: i64,
    pub curr_incr_seq: i64,
    pub dirty: bool, // changed since it was last persisted
}

/// Why a manifest could not be read; Redis prints it and exits.
#[derive(Debug, PartialEq, Eq)]
pub struct ManifestError {
    pub line: Option<(usize, String)>, // the line number and the line, when there is one
    pub reason: &'static str,
}

impl AofInfo {
    /// Redis: aofInfoFormat — one manifest line, the name quoted when it
    /// has a character that needs it.
    fn format(&self, out: &mut String) {
        let name = if needs_repr(self.name.as_bytes()) {
            util::repr(self.name.as_bytes())
        } else {
            self.name.clone()
        };
        out.push_str(&format!(
            "file {} seq {} type {}\n",
            name,
            self.seq,
            self.kind.letter()
        ));
    }
}

/// Redis: sdsneedsrepr.
fn needs_repr(s: &[u8]) -> bool {
    s.iter()
        .any(|&c| matches!(c, b'\\' | b'"') || !(0x21..=0x7e).contains(&c))
}

/// Redis: pathIsBaseName.
pub fn is_base_name(p: &str) -> bool {
    !p.contains('/') && !p.contains('\\')
}

impl Manifest {
    /// Redis: getAofManifestAsString — base, then history, then INCR files.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(b) = &self.base {
            b.format(&mut out);
        }
        for h in &self.history {
            h.format(&mut out);
        }
        for i in &self.incr {
            i.format(&mut out);
        }
        out
    }

    /// Redis: aofLoadManifestFromFile's parser, with its checks and texts.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut am = Manifest::default();
        let mut maxseq = 0i64;
        let mut linenum = 0usize;
        let mut rest = text;
        let err = |line: Option<(usize, String)>, reason| Err(ManifestError { line, reason });
        while !rest.is_empty() {
            // fgets: up to MANIFEST_MAX_LINE bytes, through the newline.
            let take = match rest
                .iter()
                .take(MANIFEST_MAX_LINE)
                .position(|&c| c == b'\n')
            {
                Some(i) => i + 1,
                None => rest.len().min(MANIFEST_MAX_LINE),
            };
            let raw = &rest[..take];
            rest = &rest[take..];
            linenum += 1;
            if raw.first() == Some(&b'#') {
                continue;
            }
            if !raw.contains(&b'\n') {
                return err(None, "The AOF manifest file contains too long line");
            }
            let trimmed = trim(raw);
            let shown = String::from_utf8_lossy(trimmed).into_owned();
            let line = Some((linenum, shown));
            if trimmed.is_empty() {
                return err(line, "Invalid AOF manifest file format");
            }
            let argv = match util::split_args(trimmed) {
                Some(a) if a.len() >= 6 && a.len() % 2 == 0 => a,
                _ => return err(line, "Invalid AOF manifest file format"),
            };
            let (mut name, mut seq, mut kind) = (None::<String>, 0i64, 0u8);
            for pair in argv.chunks(2) {
                let (k, v) = (&pair[0], &pair[1]);
                if k.eq_ignore_ascii_case(b"file") {
                    let n = String::from_utf8_lossy(v).into_owned();
                    if !is_base_name(&n) {
                        return err(line, "File can't be a path, just a filename");
                    }
                    name = Some(n);
                } else if k.eq_ignore_ascii_case(b"seq") {
                    seq = util::atoi(v);
                } else if k.eq_ignore_ascii_case(b"type") {
                    kind = v.first().copied().unwrap_or(0);
                }
            }
            let (Some(name), true, true) = (name, seq != 0, kind != 0) else {
                return err(line, "Invalid AOF manifest file format");
            };
            match kind {
                b'b' => {
                    if am.base.is_some() {
                        return err(line, "Found duplicate base file information");
                    }
                    am.curr_base_seq = seq;
                    am.base = Some(AofInfo {
                        name,
                        seq,
                        kind: FileType::Base,
                    });
                }
                b'h' => am.history.push(AofInfo {
                    name,
                    seq,
                    kind: FileType::History,
                }),
                b'i' => {
                    if seq <= maxseq {
                        return err(line, "Found a non-monotonic sequence number");
                    }
                    am.incr.push(AofInfo {
                        name,
                        seq,
                        kind: FileType::Incr,
                    });
                    am.curr_incr_seq = seq;
                    maxseq = seq;
                }
                _ => return err(line, "Unknown AOF file type"),
            }
        }
        if linenum == 0 {
            return err(None, "Found an empty AOF manifest");
        }
        Ok(am)
    }

    /// Redis: getNewBaseFileNameAndMarkPreAsHistory. The old base, if any,
    /// becomes history; returns the new base's name.
    pub fn new_base(&mut self, aof_filename: &str, rdb_format: bool) -> String {
        if let Some(mut b) = self.base.take() {
            b.kind = FileType::History;
            self.history.insert(0, b);
        }
        self.curr_base_seq += 1;
        let suffix = if rdb_format {
            RDB_FORMAT_SUFFIX
        } else {
            AOF_FORMAT_SUFFIX
        };
        let name = format!(
            "{}.{}{}{}",
            aof_filename, self.curr_base_seq, BASE_FILE_SUFFIX, suffix
        );
        self.base = Some(AofInfo {
            name: name.clone(),
            seq: self.curr_base_seq,
            kind: FileType::Base,
        });
        self.dirty = true;
        name
    }

    /// Redis: getNewIncrAofName.
    pub fn new_incr(&mut self, aof_filename: &str) -> String {
        self.curr_incr_seq += 1;
        let name = format!(
            "{}.{}{}{}",
            aof_filename, self.curr_incr_seq, INCR_FILE_SUFFIX, AOF_FORMAT_SUFFIX
        );
        self.incr.push(AofInfo {
            name: name.clone(),
            seq: self.curr_incr_seq,
            kind: FileType::Incr,
        });
        self.dirty = true;
        name
    }

    /// Redis: getLastIncrAofName — the last INCR file, or a new one.
    pub fn last_incr(&mut self, aof_filename: &str) -> String {
        match self.incr.last() {
            Some(i) => i.name.clone(),
            None => self.new_incr(aof_filename),
        }
    }

    /// Redis: markRewrittenIncrAofAsHistory. Every INCR file becomes
    /// history, but the one being written when `keep_last` (AOF is on).
    pub fn mark_rewritten_incr_as_history(&mut self, keep_last: bool) {
        if self.incr.is_empty() {
            return;
        }
        let keep = usize::from(keep_last);
        let n = self.incr.len() - keep;
        // Redis walks from the tail and puts each at the head of history,
        // so the history keeps the files' order.
        let moved: Vec<AofInfo> = self.incr.drain(..n).collect();
        for mut ai in moved.into_iter().rev() {
            ai.kind = FileType::History;
            self.history.insert(0, ai);
        }
        self.dirty = true;
    }

    /// Base and INCR files, in loading order.
    pub fn files_to_load(&self) -> impl Iterator<Item = &AofInfo> {
        self.base.iter().chain(self.incr.iter())
    }
}

/// Redis: sdstrim(" \t\r\n").
fn trim(s: &[u8]) -> &[u8] {
    let is_t = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = s.iter().position(|c| !is_t(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !is_t(c)).map_or(start, |i| i + 1);
    &s[start..end.max(start)]
}

/// Redis: getAofManifestFileName.
pub fn manifest_name(aof_filename: &str) -> String {
    format!("{}{}", aof_filename, MANIFEST_NAME_SUFFIX)
}

/// Redis: getTempAofManifestFileName.
fn temp_manifest_name(aof_filename: &str) -> String {
    format!(
        "{}{}{}",
        TEMP_FILE_NAME_PREFIX, aof_filename, MANIFEST_NAME_SUFFIX
    )
}

/// Redis: getTempIncrAofName.
pub fn temp_incr_name(aof_filename: &str) -> String {
    format!(
        "{}{}{}",
        TEMP_FILE_NAME_PREFIX, aof_filename, INCR_FILE_SUFFIX
    )
}

/// Redis: fsyncFileDir — makes a rename in `dir` durable.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Redis: writeAofManifestFile — temp file, fsync, rename, fsync of the
/// folder. Logs Redis's line for each failure.
pub fn write_manifest_file(dir: &Path, aof_filename: &str, text: &str) -> io::Result<()> {
    let name = manifest_name(aof_filename);
    let tmp_name = temp_manifest_name(aof_filename);
    let path = dir.join(&name);
    let tmp_path = dir.join(&tmp_name);
    let mut f = fs::File::create(&tmp_path).inspect_err(|e| {
        server_log!(
            Warning,
            "Can't open the AOF manifest file {}: {}",
            tmp_name,
            crate::rdb::save::strerror(e)
        )
    })?;
    f.write_all(text.as_bytes()).inspect_err(|e| {
        server_log!(
            Warning,
            "Error trying to write the temporary AOF manifest file {}: {}",
            tmp_name,
            crate::rdb::save::strerror(e)
        )
    })?;
    f.sync_data().inspect_err(|e| {
        server_log!(
            Warning,
            "Fail to fsync the temp AOF file {}: {}.",
            tmp_name,
            crate::rdb::save::strerror(e)
        )
    })?;
    fs::rename(&tmp_path, &path).inspect_err(|e| {
        server_log!(
            Warning,
            "Error trying to rename the temporary AOF manifest file {} into {}: {}",
            tmp_name,
            name,
            crate::rdb::save::strerror(e)
        )
    })?;
    fsync_dir(dir).inspect_err(|e| {
        server_log!(
            Warning,
            "Fail to fsync AOF directory {}: {}.",
            path.display(),
            crate::rdb::save::strerror(e)
        )
    })
}

/// Redis: persistAofManifest — writes the manifest if it changed.
pub fn persist(am: &mut Manifest, dir: &Path, aof_filename: &str) -> io::Result<()> {
    if !am.dirty {
        return Ok(());
    }
    write_manifest_file(dir, aof_filename, &am.to_text())?;
    am.dirty = false;
    Ok(())
}

/// Redis: makePath.
pub fn path_in(dir: &str, name: &str) -> PathBuf {
    Path::new(dir).join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_in_redis_order() {
        let text = "file appendonly.aof.2.base.rdb seq 2 type b\n\
                    file appendonly.aof.1.incr.aof seq 1 type h\n\
                    file appendonly.aof.2.incr.aof seq 2 type h\n\
                    file appendonly.aof.4.incr.aof seq 4 type i\n\
                    file appendonly.aof.5.incr.aof seq 5 type i\n";
        let am = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(am.curr_base_seq, 2);
        assert_eq!(am.curr_incr_seq, 5);
        assert_eq!(am.history.len(), 2);
        assert_eq!(am.to_text(), text);
    }

    #[test]
    fn a_rewrite_moves_files_as_redis_does() {
        let mut am = Manifest::default();
        assert_eq!(
            am.new_base("appendonly.aof", true),
            "appendonly.aof.1.base.rdb"
        );
        assert_eq!(am.last_incr("appendonly.aof"), "appendonly.aof.1.incr.aof");
        // A rewrite opens a new INCR file, then swaps the base.
        assert_eq!(am.new_incr("appendonly.aof"), "appendonly.aof.2.incr.aof");
        assert_eq!(
            am.new_base("appendonly.aof", false),
            "appendonly.aof.2.base.aof"
        );
        am.mark_rewritten_incr_as_history(true);
        assert_eq!(
            am.to_text(),
            // As Redis: each file turned into history goes to the front.
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.1.base.rdb seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
    }

    #[test]
    fn bad_manifests_get_redis_reasons() {
        let reason = |t: &str| Manifest::parse(t.as_bytes()).unwrap_err().reason;
        assert_eq!(reason(""), "Found an empty AOF manifest");
        assert_eq!(
            reason("file a seq 1 type i"),
            "The AOF manifest file contains too long line"
        );
        assert_eq!(reason("\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file a seq 1\n"), "Invalid AOF manifest file format");
        assert_eq!(
            reason("file a/b seq 1 type i\n"),
            "File can't be a path, just a filename"
        );
        assert_eq!(reason("file a seq 1 type x\n"), "Unknown AOF file type");
        assert_eq!(
            reason("file a seq 1 type b\nfile b seq 2 type b\n"),
            "Found duplicate base file information"
        );
        assert_eq!(
            reason("file a seq 2 type i\nfile b seq 2 type i\n"),
            "Found a non-monotonic sequence number"
        );
        let long = format!("file {} seq 1 type i\n", "a".repeat(1100));
        assert_eq!(
            reason(&long),
            "The AOF manifest file contains too long line"
        );
        // Comments are skipped; extra key/value pairs are allowed.
        let am = Manifest::parse(b"# hi\nfile x seq 3 type i foo bar\n").unwrap();
        assert_eq!(am.incr[0].name, "x");
        let e = Manifest::parse(b"file a seq 1 type b\n\nfile b seq 1 type i\n").unwrap_err();
        assert_eq!(e.line, Some((2, String::new())));
    }

    #[test]
    fn names_with_spaces_are_quoted() {
        let mut am = Manifest::default();
        am.incr.push(AofInfo {
            name: "a b".into(),
            seq: 1,
            kind: FileType::Incr,
        });
        assert_eq!(am.to_text(), "file \"a b\" seq 1 type i\n");
        assert_eq!(
            Manifest::parse(am.to_text().as_bytes()).unwrap().incr,
            am.incr
        );
    }
}
