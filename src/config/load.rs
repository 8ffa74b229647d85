//! Reading the configuration at start-up. Redis counterpart: config.c's
//! loadServerConfig / loadServerConfigFromString, and the argv folding in
//! server.c's main() that turns `--port 6380` into a config line.
//!
//! Divergences:
//! - `include` globs only in the last path component (glob(3) allows them
//!   anywhere).
//! - rename-command, user, loadmodule, `module.name` configs and sentinel
//!   are checked for argument count and queued in `Config::deferred`.

use std::path::{Path, PathBuf};

use oxidis_ds::util::{repr, split_args, string_match_len};

use super::*;

/// Directives that Redis still accepts and ignores (name, argc).
const DEPRECATED: &[(&str, usize)] = &[
    ("list-max-ziplist-entries", 2),
    ("list-max-ziplist-value", 2),
    ("lua-replicate-commands", 2),
];

/// What redis-server's main() makes of its arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerArgs {
    /// The first argument, when it does not start with '-' (made absolute).
    pub config_file: Option<PathBuf>,
    /// A lone "-" as first or last argument: read more config from stdin.
    pub config_from_stdin: bool,
    /// The folded options, one directive per line (see [`args_to_config_text`]).
    pub options: String,
}

/// Parse `argv[1..]` as redis-server does (after --help/--version/
/// --test-memory/--check-system, which main handles itself).
pub fn parse_server_args(args: &[String]) -> ServerArgs {
    let mut out = ServerArgs::default();
    let mut rest = args;
    if let Some(first) = args.first() {
        if !first.starts_with('-') {
            let p = Path::new(first);
            out.config_file = Some(if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir()
                    .map(|d| d.join(p))
                    .unwrap_or_else(|_| p.to_path_buf())
            });
            rest = &args[1..];
        }
    }
    let (options, stdin) = fold(rest, out.config_file.is_none());
    out.options = options;
    out.config_from_stdin = stdin;
    out
}

/// main()'s folding of option arguments into config text: `--name` starts a
/// new line "name", following words are appended quoted (sdscatrepr), so
/// `--port 6379 6380` becomes `port "6379" "6380"`. A `--word` right after an
/// option name with no value yet is taken as that option's value; `--save`
/// with nothing after it (or followed by another option) means `save ""`.
/// `args` are the option arguments only (no program name, no config file).
pub fn args_to_config_text(args: &[String]) -> String {
    fold(args, false).0
}

fn fold(args: &[String], first_is_argv1: bool) -> (String, bool) {
    let mut options = String::new();
    let mut stdin = false;
    let mut handled_last = true;
    let n = args.len();
    for (j, a) in args.iter().enumerate() {
        let is_first = j == 0 && first_is_argv1;
        if a == "-" && (is_first || j == n - 1) {
            stdin = true;
        } else if handled_last && a.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&a[2..]);
            options.push(' ');
            let nargs = split_args(a.as_bytes()).map_or(0, |v| v.len());
            if nargs == 1 {
                handled_last = false;
                let next_is_opt = j + 1 < n && args[j + 1].starts_with("--");
                let last = j + 1 == n;
                if a.eq_ignore_ascii_case("--save") && (next_is_opt || last) {
                    options.push_str("\"\"");
                    handled_last = next_is_opt || handled_last;
                } else if a.eq_ignore_ascii_case("--sentinel") && next_is_opt {
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            options.push_str(&repr(a.as_bytes()));
            options.push(' ');
            handled_last = true;
        }
    }
    (options, stdin)
}

fn file_error(line_no: usize, line: &str, msg: impl Into<String>) -> ConfigFileError {
    ConfigFileError {
        line_no,
        line: line.to_string(),
        msg: msg.into(),
        header: true,
    }
}

/// Expand an `include` path: plain paths as they are, wildcards in the last
/// component against the directory's entries (sorted, hidden files only for
/// patterns starting with '.'). No match is not an error.
fn expand_include(path: &str) -> Vec<PathBuf> {
    if !path.contains(['*', '?', '[']) {
        return vec![PathBuf::from(path)];
    }
    let p = Path::new(path);
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(pat) = p.file_name().map(|f| f.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (!name.starts_with('.') || pat.starts_with('.'))
                    && string_match_len(pat.as_bytes(), name.as_bytes(), false)
            })
            .map(|e| {
                if p.parent().is_some_and(|d| !d.as_os_str().is_empty()) {
                    dir.join(e.file_name())
                } else {
                    PathBuf::from(e.file_name())
                }
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    found.sort();
    found
}

fn read_config_file(path: &Path) -> Result<String, ConfigFileError> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| ConfigFileError {
            line_no: 0,
            line: String::new(),
            msg: format!(
                "Fatal error, can't open config file '{}': {}",
                path.display(),
                strerror(&e)
            ),
            header: false,
        })
}

impl Config {
    /// loadServerConfig: the file (if any), then text read from stdin (if
    /// any), then "\n" and the folded command-line options, parsed as one
    /// text. Records the file as `config_file`.
    pub fn load_server_config(
        &mut self,
        file: Option<&Path>,
        stdin_text: Option<&str>,
        options: &str,
    ) -> Result<(), ConfigFileError> {
        let mut text = String::new();
        if let Some(f) = file {
            for p in expand_include(&f.to_string_lossy()) {
                text.push_str(&read_config_file(&p)?);
            }
            self.config_file = Some(f.to_path_buf());
        }
        if let Some(s) = stdin_text {
            text.push_str(s);
        }
        text.push('\n');
        text.push_str(options);
        self.load_config_from_string(&text)
    }

    /// loadServerConfigFromString: parse directives line by line.
    pub fn load_config_from_string(&mut self, text: &str) -> Result<(), ConfigFileError> {
        self.load_text(text)?;
        self.check_after_load()
    }

    fn load_text(&mut self, text: &str) -> Result<(), ConfigFileError> {
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = i + 1;
            let line = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(mut argv) = split_args(line.as_bytes()) else {
                return Err(file_error(
                    line_no,
                    line,
                    "Unbalanced quotes in configuration line",
                ));
            };
            if argv.is_empty() {
                continue;
            }
            argv[0].make_ascii_lowercase();
            let argc = argv.len();

            if let Some(def) = lookup(&argv[0]) {
                let multi = def.flags & flags::MULTI_ARG != 0;
                if !multi && argc != 2 {
                    return Err(file_error(line_no, line, "wrong number of arguments"));
                }
                let result = if multi && argc == 2 && !argv[1].is_empty() {
                    // `--save "900 1"` arrives as one argument: split it again.
                    match split_args(&argv[1]) {
                        Some(args) => def.set_args(self, &args, true),
                        None => Err("Unbalanced quotes in configuration line".to_string()),
                    }
                } else {
                    def.set_args(self, &argv[1..], true)
                };
                result.map_err(|msg| file_error(line_no, line, msg))?;
                continue;
            }
            let name = String::from_utf8_lossy(&argv[0]).into_owned();
            if DEPRECATED.iter().any(|&(n, c)| n == name && c == argc) {
                continue;
            }
            let deferred = Directive {
                args: argv.clone(),
                line_no,
                line: line.to_string(),
            };
            match name.as_str() {
                "include" if argc == 2 => {
                    let path = String::from_utf8_lossy(&argv[1]).into_owned();
                    for p in expand_include(&path) {
                        let sub = read_config_file(&p)?;
                        self.load_text(&sub)?;
                    }
                }
                "rename-command" if argc == 3 => self.deferred.push(deferred),
                "user" | "loadmodule" if argc >= 2 => self.deferred.push(deferred),
                "sentinel" => {
                    if argc != 1 {
                        return Err(file_error(
                            line_no,
                            line,
                            "sentinel directive while not in sentinel mode",
                        ));
                    }
                }
                _ if name.contains('.') => {
                    if argc < 2 {
                        return Err(file_error(
                            line_no,
                            line,
                            "Module config specified without value",
                        ));
                    }
                    self.deferred.push(deferred);
                }
                _ => {
                    return Err(file_error(
                        line_no,
                        line,
                        "Bad directive or wrong number of arguments",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The checks loadServerConfigFromString runs after the last line.
    fn check_after_load(&mut self) -> Result<(), ConfigFileError> {
        if !self.logfile.is_empty() {
            if let Err(e) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&self.logfile)
            {
                return Err(file_error(
                    0,
                    "",
                    format!("Can't open the log file: {}", strerror(&e)),
                ));
            }
        }
        if self.cluster_enabled && self.masterhost.is_some() {
            return Err(file_error(
                0,
                "",
                "replicaof directive not allowed in cluster mode",
            ));
        }
        if self.cluster_enabled {
            return Err(file_error(
                0,
                "",
                "cluster-enabled yes is not supported: oxidis does not implement Redis Cluster yet",
            ));
        }
        self.clamp_hz();
        Ok(())
    }
}
