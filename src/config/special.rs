//! The "special" directives, each with its own set/get/rewrite. Redis
//! counterpart: config.c's setConfig*Option / getConfig*Option /
//! rewriteConfig*Option functions and updateClientOutputBufferLimit.
//!
//! Every `set` takes the already-split arguments and returns Ok(true) when
//! the value changed. `loading` is true while a config file is being read.
//!
//! Divergence: `dir` changes the process's working directory right away, as
//! Redis's chdir() does; CONFIG GET dir reads it back with getcwd.

use oxidis_ds::util::repr;

use super::rewrite::{format_memory, State};
use super::types::strtoll_full;
use super::*;

/// Strict-enough strtoll for these parsers: the whole argument must be a
/// (possibly signed, possibly empty) base-10 number.
fn c_strtoll(a: &[u8]) -> Option<i64> {
    strtoll_full(a, 10).map(|(v, _)| v)
}

/// `%f` followed by trimDoubleString: "50", "99", "99.9".
fn fmt_percentile(v: f64) -> String {
    let s = format!("{:.6}", v);
    let t = s.trim_end_matches('0');
    t.strip_suffix('.').unwrap_or(t).to_string()
}

pub(crate) mod dir {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    pub fn set(_c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        if argv.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        let path = std::ffi::OsStr::from_bytes(&argv[0]);
        std::env::set_current_dir(path).map_err(|e| strerror(&e))?;
        Ok(true)
    }

    pub fn get(_c: &Config) -> String {
        std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub fn rewrite(_c: &Config, name: &'static str, st: &mut State) {
        match std::env::current_dir() {
            Ok(p) => {
                let line = format!("{} {}", name, repr(p.as_os_str().as_bytes()));
                st.rewrite_line(name, line, true);
            }
            Err(_) => st.mark_processed(name),
        }
    }
}

pub(crate) mod save {
    use super::*;

    pub fn set(c: &mut Config, argv: &[Vec<u8>], loading: bool) -> Result<bool, String> {
        let mut argv = argv;
        // A single "" means "no save points".
        if argv.len() == 1 && argv[0].is_empty() {
            c.save_params.clear();
            argv = &[];
        }
        if argv.len() % 2 == 1 {
            return Err("Invalid save parameters".into());
        }
        let mut parsed = Vec::with_capacity(argv.len() / 2);
        for pair in argv.chunks(2) {
            let secs = c_strtoll(&pair[0]).filter(|&s| s >= 1);
            let changes = c_strtoll(&pair[1]).filter(|&ch| ch >= 0);
            match (secs, changes) {
                // `changes` is a C int in Redis.
                (Some(s), Some(ch)) => parsed.push((s, i64::from(ch as i32))),
                _ => return Err("Invalid save parameters".into()),
            }
        }
        // While reading a file the first `save` line replaces the defaults
        // and later ones add to it; CONFIG SET always replaces.
        if !loading || !c.save_loaded {
            c.save_loaded |= loading;
            c.save_params.clear();
        }
        c.save_params.extend(parsed);
        Ok(true)
    }

    pub fn get(c: &Config) -> String {
        let parts: Vec<String> = c
            .save_params
            .iter()
            .map(|(s, ch)| format!("{} {}", s, ch))
            .collect();
        parts.join(" ")
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        if c.save_params.is_empty() {
            st.rewrite_line(name, "save \"\"".to_string(), true);
        } else {
            for (s, ch) in &c.save_params {
                st.rewrite_line(name, format!("save {} {}", s, ch), true);
            }
        }
        st.mark_processed(name);
    }
}

pub(crate) mod obuf {
    use super::*;

    const NAMES: [&str; 3] = ["normal", "slave", "pubsub"];

    /// getClientTypeByName, without "master" (which can't have limits).
    fn class_by_name(n: &[u8]) -> Option<usize> {
        let n = n.to_ascii_lowercase();
        match n.as_slice() {
            b"normal" => Some(OBUF_NORMAL),
            b"slave" | b"replica" => Some(OBUF_REPLICA),
            b"pubsub" => Some(OBUF_PUBSUB),
            _ => None,
        }
    }

    pub fn set(c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        if !argv.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut values = c.client_obuf_limits;
        for a in argv.chunks(4) {
            let class = class_by_name(&a[0])
                .ok_or("Invalid client class specified in buffer limit configuration.")?;
            let hard = oxidis_ds::util::memtoull(&a[1]);
            let soft = oxidis_ds::util::memtoull(&a[2]);
            let secs = c_strtoll(&a[3]).map(|s| s as i32);
            match (hard, soft, secs) {
                (Some(h), Some(s), Some(sec)) if sec >= 0 => {
                    values[class] = ObufLimit {
                        hard_limit_bytes: h,
                        soft_limit_bytes: s,
                        soft_limit_seconds: i64::from(sec),
                    };
                }
                _ => {
                    return Err(
                        "Error in hard, soft or soft_seconds setting in buffer limit \
                                configuration."
                            .into(),
                    )
                }
            }
        }
        c.client_obuf_limits = values;
        Ok(true)
    }

    pub fn get(c: &Config) -> String {
        let parts: Vec<String> = c
            .client_obuf_limits
            .iter()
            .zip(NAMES)
            .map(|(l, n)| {
                format!(
                    "{} {} {} {}",
                    n, l.hard_limit_bytes, l.soft_limit_bytes, l.soft_limit_seconds
                )
            })
            .collect();
        parts.join(" ")
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        for (j, l) in c.client_obuf_limits.iter().enumerate() {
            let force = *l != OBUF_DEFAULTS[j];
            let class = if j == OBUF_REPLICA {
                "replica"
            } else {
                NAMES[j]
            };
            let line = format!(
                "{} {} {} {} {}",
                name,
                class,
                format_memory(l.hard_limit_bytes as i64),
                format_memory(l.soft_limit_bytes as i64),
                l.soft_limit_seconds
            );
            st.rewrite_line(name, line, force);
        }
    }
}

pub(crate) mod oom_values {
    use super::*;

    pub fn set(c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        if argv.len() != 3 {
            return Err("wrong number of arguments".into());
        }
        let mut values = [0i32; 3];
        for (i, a) in argv.iter().enumerate() {
            match c_strtoll(a) {
                Some(v) if (-2000..=2000).contains(&v) => values[i] = v as i32,
                _ => {
                    return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .into(),
                    )
                }
            }
        }
        // Redis keeps values that may only work for a privileged process,
        // with a warning.
        if values[1] < values[0] || values[2] < values[1] {
            crate::server_log!(
                Warning,
                "The oom-score-adj-values configuration may not work for non-privileged processes! Please consult the documentation."
            );
        }
        let changed = values != c.oom_score_adj_values;
        c.oom_score_adj_values = values;
        Ok(changed)
    }

    pub fn get(c: &Config) -> String {
        let v = c.oom_score_adj_values;
        format!("{} {} {}", v[0], v[1], v[2])
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        let force = c.oom_score_adj_values != [0, 200, 800];
        st.rewrite_line(name, format!("{} {}", name, get(c)), force);
    }
}

pub(crate) mod notify {
    use super::*;

    pub fn set(c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        if argv.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        let flags = keyspace_events_string_to_flags(&argv[0])
            .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
        c.notify_keyspace_events = flags;
        Ok(true)
    }

    pub fn get(c: &Config) -> String {
        keyspace_events_flags_to_string(c.notify_keyspace_events)
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        let force = c.notify_keyspace_events != 0;
        let line = format!("{} {}", name, repr(get(c).as_bytes()));
        st.rewrite_line(name, line, force);
    }
}

pub(crate) mod bind {
    use super::*;

    /// CONFIG_BINDADDR_MAX.
    const BINDADDR_MAX: usize = 16;

    pub fn set(c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        if argv.len() > BINDADDR_MAX {
            return Err("Too many bind addresses specified.".into());
        }
        let argv = if argv.len() == 1 && argv[0].is_empty() {
            &[][..]
        } else {
            argv
        };
        c.bind = argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        Ok(true)
    }

    pub fn get(c: &Config) -> String {
        c.bind.join(" ")
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        if c.bind == ["*", "-::*"] {
            st.mark_processed(name);
            return;
        }
        let addrs = if c.bind.is_empty() {
            "\"\"".to_string()
        } else {
            c.bind.join(" ")
        };
        st.rewrite_line(name, format!("{} {}", name, addrs), true);
    }
}

pub(crate) mod replicaof {
    use super::*;

    pub fn set(c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        if argv.len() != 2 {
            return Err("wrong number of arguments".into());
        }
        c.masterhost = None;
        if argv[0].eq_ignore_ascii_case(b"no") && argv[1].eq_ignore_ascii_case(b"one") {
            return Ok(true);
        }
        match c_strtoll(&argv[1]) {
            Some(p) if (0..=65535).contains(&p) => {
                c.masterport = p as i32;
                c.masterhost = Some(String::from_utf8_lossy(&argv[0]).into_owned());
                Ok(true)
            }
            _ => Err("Invalid master port".into()),
        }
    }

    pub fn get(c: &Config) -> String {
        match &c.masterhost {
            Some(h) => format!("{} {}", h, c.masterport),
            None => String::new(),
        }
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        match &c.masterhost {
            Some(h) if !c.cluster_enabled => {
                st.rewrite_line(name, format!("{} {} {}", name, h, c.masterport), true)
            }
            _ => st.mark_processed(name),
        }
    }
}

pub(crate) mod percentiles {
    use super::*;

    pub fn set(c: &mut Config, argv: &[Vec<u8>], _loading: bool) -> Result<bool, String> {
        let argv = if argv.len() == 1 && argv[0].is_empty() {
            &[][..]
        } else {
            argv
        };
        let mut out = Vec::with_capacity(argv.len());
        for a in argv {
            let p = oxidis_ds::util::string2d(a)
                .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
            if !(0.0..=100.0).contains(&p) {
                return Err(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                        .into(),
                );
            }
            out.push(p);
        }
        c.latency_tracking_info_percentiles = out;
        Ok(true)
    }

    pub fn get(c: &Config) -> String {
        let parts: Vec<String> = c
            .latency_tracking_info_percentiles
            .iter()
            .map(|&p| fmt_percentile(p))
            .collect();
        parts.join(" ")
    }

    pub fn rewrite(c: &Config, name: &'static str, st: &mut State) {
        let line = if c.latency_tracking_info_percentiles.is_empty() {
            format!("{} \"\"", name)
        } else {
            format!("{} {}", name, get(c))
        };
        st.rewrite_line(name, line, true);
    }
}
