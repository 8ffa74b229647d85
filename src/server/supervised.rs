//! Running as a daemon or under a supervisor. Redis counterpart: server.c
//! (daemonize, createPidFile, redisIsSupervised, redisSupervisedUpstart,
//! redisSupervisedSystemd, redisCommunicateSystemd).
//!
//! - `daemonize yes` (when no supervisor is detected) forks away from the
//!   terminal before anything else starts, and writes the pid file
//!   (`/var/run/redis.pid` unless `pidfile` names another).
//! - `supervised upstart`: the server stops itself with SIGSTOP once the
//!   configuration is read, which upstart takes as "ready".
//! - `supervised systemd`: the server reports its state with systemd's
//!   notification protocol: one datagram per message to the unix socket
//!   named by `$NOTIFY_SOCKET` (a leading `@` names an abstract socket).
//!   Redis links libsystemd for `sd_notify`; this sends the same datagram.
//! - `supervised auto` picks upstart when `$UPSTART_JOB` is set, else
//!   systemd when `$NOTIFY_SOCKET` is.

use std::os::unix::net::UnixDatagram;

use crate::config::Supervised;
use crate::server_log;

/// Who supervises the process, once detected. Redis: supervised_mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SupervisedMode {
    #[default]
    None,
    Upstart,
    Systemd,
}

impl SupervisedMode {
    /// The `process_supervised` field of INFO.
    pub fn name(self) -> &'static str {
        match self {
            SupervisedMode::None => "no",
            SupervisedMode::Upstart => "upstart",
            SupervisedMode::Systemd => "systemd",
        }
    }
}

/// The pid file written when daemonized without a `pidfile`.
pub const DEFAULT_PID_FILE: &str = "/var/run/redis.pid";

/// Redis: redisIsSupervised. Upstart supervision stops the process here
/// until upstart continues it.
pub fn detect(mode: Supervised) -> SupervisedMode {
    let mode = match mode {
        Supervised::Auto if std::env::var_os("UPSTART_JOB").is_some() => {
            server_log!(Verbose, "Upstart supervision detected.");
            Supervised::Upstart
        }
        Supervised::Auto if std::env::var_os("NOTIFY_SOCKET").is_some() => {
            server_log!(Verbose, "Systemd supervision detected.");
            Supervised::Systemd
        }
        m => m,
    };
    match mode {
        Supervised::Upstart => {
            if std::env::var_os("UPSTART_JOB").is_none() {
                server_log!(
                    Warning,
                    "upstart supervision requested, but UPSTART_JOB not found!"
                );
                return SupervisedMode::None;
            }
            server_log!(
                Notice,
                "supervised by upstart, will stop to signal readiness."
            );
            oxidis_sys::raise_sigstop();
            std::env::remove_var("UPSTART_JOB");
            SupervisedMode::Upstart
        }
        Supervised::Systemd => {
            if notify_systemd("STATUS=Redis is loading...\n") <= 0 {
                return SupervisedMode::None;
            }
            server_log!(
                Notice,
                "Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit."
            );
            SupervisedMode::Systemd
        }
        _ => SupervisedMode::None,
    }
}

/// Redis: redisCommunicateSystemd — sd_notify's result: 1 when sent, 0 when
/// there is no `$NOTIFY_SOCKET`, a negative errno on failure (each logged).
pub fn notify_systemd(msg: &str) -> i32 {
    let ret = match send_notification(msg) {
        Ok(true) => 1,
        Ok(false) => 0,
        Err(e) => -e.raw_os_error().unwrap_or(libc::EIO),
    };
    if ret == 0 {
        server_log!(
            Warning,
            "systemd supervision error: NOTIFY_SOCKET not found!"
        );
    } else if ret < 0 {
        server_log!(Warning, "systemd supervision error: sd_notify: {}", ret);
    }
    ret
}

/// One datagram to `$NOTIFY_SOCKET`; Ok(false) when it is not set.
fn send_notification(msg: &str) -> std::io::Result<bool> {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(false);
    };
    let path = path.into_encoded_bytes();
    let sock = UnixDatagram::unbound()?;
    match path.first() {
        Some(b'@') => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(&path[1..])?;
            sock.send_to_addr(msg.as_bytes(), &addr)?;
        }
        Some(b'/') => {
            use std::os::unix::ffi::OsStrExt;
            sock.send_to(msg.as_bytes(), std::ffi::OsStr::from_bytes(&path))?;
        }
        _ => return Err(std::io::Error::from_raw_os_error(libc::EINVAL)),
    }
    Ok(true)
}

/// Redis: createPidFile — best effort.
pub fn create_pid_file(path: &str) {
    let _ = std::fs::write(path, format!("{}\n", oxidis_sys::getpid()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(SupervisedMode::None.name(), "no");
        assert_eq!(SupervisedMode::Systemd.name(), "systemd");
        assert_eq!(SupervisedMode::Upstart.name(), "upstart");
    }
}
