//! TEMPORARY stand-in for config/ while it is being written. Not committed.
#![allow(dead_code)]
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProtectedMode { No, Yes, Local }
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MaxmemoryPolicy { NoEviction, AllkeysLru, AllkeysLfu }
impl MaxmemoryPolicy {
    pub fn is_lfu(&self) -> bool { matches!(self, MaxmemoryPolicy::AllkeysLfu) }
    pub fn is_lru(&self) -> bool { matches!(self, MaxmemoryPolicy::AllkeysLru) }
    pub fn name(&self) -> &'static str { match self { MaxmemoryPolicy::NoEviction => "noeviction", MaxmemoryPolicy::AllkeysLru => "allkeys-lru", MaxmemoryPolicy::AllkeysLfu => "allkeys-lfu" } }
}
#[derive(Clone, Debug)]
pub struct Config {
    pub requirepass: Option<Vec<u8>>, pub maxclients: u32, pub proto_max_bulk_len: i64, pub client_query_buffer_limit: i64,
    pub enable_debug_command: ProtectedMode, pub hz: i32, pub timeout: i64, pub activerehashing: bool, pub pidfile: Option<String>,
    pub daemonize: bool, pub port: u16, pub bind: Vec<String>, pub unixsocket: Option<String>, pub unixsocketperm: u32, pub databases: i32,
    pub maxmemory_policy: MaxmemoryPolicy, pub lfu_log_factor: i64, pub lfu_decay_time: i64, pub active_expire_effort: i32,
    pub latency_tracking: bool, pub latency_tracking_info_percentiles: Vec<f64>, pub maxmemory: u64, pub repl_backlog_size: i64,
    pub logfile: String, pub loglevel: String, pub always_show_logo: bool, pub config_file: Option<PathBuf>, pub exec_argv: Vec<String>,
}
impl Default for Config {
    fn default() -> Self {
        Config { requirepass: None, maxclients: 10000, proto_max_bulk_len: 512 << 20, client_query_buffer_limit: 1 << 30,
            enable_debug_command: ProtectedMode::Yes, hz: 10, timeout: 0, activerehashing: true, pidfile: None, daemonize: false, port: 6379,
            bind: vec!["127.0.0.1".into()], unixsocket: None, unixsocketperm: 0, databases: 16, maxmemory_policy: MaxmemoryPolicy::NoEviction,
            lfu_log_factor: 10, lfu_decay_time: 1, active_expire_effort: 1, latency_tracking: true, latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            maxmemory: 0, repl_backlog_size: 1 << 20, logfile: String::new(), loglevel: "notice".into(), always_show_logo: false, config_file: None, exec_argv: vec![] }
    }
}
pub struct ConfigFileError(pub String);
impl std::fmt::Display for ConfigFileError { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "{}", self.0) } }
impl Config {
    pub fn log_level(&self) -> crate::log::Level { match self.loglevel.as_str() { "debug" => crate::log::Level::Debug, "verbose" => crate::log::Level::Verbose, "warning" => crate::log::Level::Warning, _ => crate::log::Level::Notice } }
    pub fn load_config_from_string(&mut self, text: &str) -> Result<(), ConfigFileError> {
        for line in text.lines() {
            let Some(args) = crate::util::split_args(line.as_bytes()) else { continue };
            if args.is_empty() || args[0].starts_with(b"#") { continue; }
            let name = String::from_utf8_lossy(&args[0]).to_lowercase();
            let v = args.get(1).map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default();
            match name.as_str() {
                "port" => self.port = v.parse().unwrap_or(6379),
                "bind" => self.bind = args[1..].iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect(),
                "unixsocket" => self.unixsocket = Some(v),
                "requirepass" => self.requirepass = if v.is_empty() { None } else { Some(v.into_bytes()) },
                "loglevel" => self.loglevel = v,
                "logfile" => self.logfile = v,
                "always-show-logo" => self.always_show_logo = v == "yes",
                "dir" => { let _ = std::env::set_current_dir(&v); }
                _ => {}
            }
        }
        Ok(())
    }
    pub fn get(&self, _p: &[&[u8]]) -> Vec<(String, String)> { vec![] }
    pub fn set(&mut self, _p: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, String> { Ok(vec![]) }
    pub fn rewrite(&self, _p: &std::path::Path) -> Result<(), String> { Ok(()) }
}
pub fn args_to_config_text(args: &[String]) -> String {
    let mut out = String::new();
    for a in args { if let Some(n) = a.strip_prefix("--") { if !out.is_empty() { out.push('\n'); } out.push_str(n); out.push(' '); } else { out.push_str(&format!("\"{}\" ", a)); } }
    out
}
