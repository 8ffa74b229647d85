//! The process title template (`proc-title-template`, `set-proc-title`).
//! Redis counterpart: server.c's redisProcTitleGetVariable,
//! expandProcTitleTemplate, validateProcTitleTemplate and redisSetProcTitle,
//! plus sds.c's sdstemplate. Writing the title into the process's memory
//! (setproctitle.c) is `oxidis_sys::set_proc_title`.
//!
//! Redis sets the title once at start-up, after initServer, and again
//! whenever CONFIG SET changes the template (even with set-proc-title off);
//! a change of port or bind alone does not retitle. Divergence: Redis also
//! retitles its fork children ("redis-rdb-bgsave", "redis-aof-rewrite",
//! ...); oxidis has no children, and no sentinel mode, so `{server-mode}` is
//! "[cluster]" or empty.

use crate::config::Config;

/// Redis: sdstemplate(). Copies `template`, replacing each `{name}` with
/// `var(name)`; `{{` is a literal `{` (a lone `}` is plain text). None if
/// `var` does not know a name or a `{` is never closed.
pub fn sds_template(template: &str, mut var: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let mut res = String::with_capacity(template.len());
    let mut p = template;
    while let Some(sv) = p.find('{') {
        res.push_str(&p[..sv]);
        let rest = &p[sv + 1..];
        if rest.is_empty() {
            return None;
        }
        if let Some(after) = rest.strip_prefix('{') {
            res.push('{');
            p = after;
            continue;
        }
        let ev = rest.find('}')?;
        res.push_str(&var(&rest[..ev])?);
        p = &rest[ev + 1..];
    }
    res.push_str(p);
    Some(res)
}

/// Redis: redisProcTitleGetVariable(). The value of one template variable.
fn proc_title_get_variable(name: &str, title: &str, conf: &Config) -> Option<String> {
    Some(match name {
        "title" => title.to_string(),
        "listen-addr" => {
            if conf.port != 0 || conf.tls_port != 0 {
                let addr = conf.bind.first().map_or("*", String::as_str);
                let port = if conf.port != 0 {
                    conf.port as i32
                } else {
                    conf.tls_port
                };
                format!("{}:{}", addr, port)
            } else {
                // printf("%s") of a NULL unixsocket in glibc.
                format!(
                    "unixsocket:{}",
                    conf.unixsocket.as_deref().unwrap_or("(null)")
                )
            }
        }
        "server-mode" => {
            if conf.cluster_enabled {
                "[cluster]".to_string()
            } else {
                String::new()
            }
        }
        "config-file" => conf
            .config_file
            .as_ref()
            .map_or_else(|| "-".to_string(), |p| p.display().to_string()),
        "port" => conf.port.to_string(),
        "tls-port" => conf.tls_port.to_string(),
        "unixsocket" => conf.unixsocket.clone().unwrap_or_default(),
        _ => return None,
    })
}

/// Redis: expandProcTitleTemplate(). The expanded title, spaces trimmed
/// from both ends; None if the template is malformed.
pub fn expand_proc_title_template(template: &str, title: &str, conf: &Config) -> Option<String> {
    let res = sds_template(template, |name| proc_title_get_variable(name, title, conf))?;
    Some(res.trim_matches(' ').to_string())
}

/// Redis: validateProcTitleTemplate(). Well formed, and not blank when
/// expanded with an empty `{title}` against the current configuration (so
/// "{title}" alone, or "{unixsocket}" without a socket, is refused).
pub fn validate_proc_title_template(template: &str, conf: &Config) -> bool {
    expand_proc_title_template(template, "", conf).is_some_and(|t| !t.is_empty())
}

/// Redis: redisSetProcTitle(NULL): the template expanded with `{title}` =
/// argv[0]. Fails (with updateProcTitleTemplate's message) only if the
/// template does not expand, which validation rules out.
pub fn redis_set_proc_title(conf: &Config) -> Result<(), &'static str> {
    let title = conf.exec_argv.first().map_or("", String::as_str);
    let t = expand_proc_title_template(&conf.proc_title_template, title, conf)
        .ok_or("failed to set process title")?;
    oxidis_sys::set_proc_title(t.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str) -> Option<String> {
        match name {
            "variable1" => Some("value1".into()),
            "variable2" => Some("value2".into()),
            _ => None,
        }
    }

    #[test]
    fn sds_template_matches_redis_sds_test() {
        assert_eq!(
            sds_template("v1={variable1} v2={variable2}", var).as_deref(),
            Some("v1=value1 v2=value2")
        );
        assert_eq!(sds_template("v1={variable1} v3={doesnotexist}", var), None);
        assert_eq!(sds_template("v1={", var), None);
        assert_eq!(sds_template("v1={start", var), None);
        assert_eq!(
            sds_template("v1={{{variable1}} {{} v2={variable2}", var).as_deref(),
            Some("v1={value1} {} v2=value2")
        );
        assert_eq!(sds_template("a}b }}", var).as_deref(), Some("a}b }}"));
    }

    #[test]
    fn default_template_expands_like_redis() {
        let mut c = Config {
            exec_argv: vec!["/usr/bin/redis-server".into()],
            ..Config::default()
        };
        let t = &c.proc_title_template;
        assert_eq!(
            expand_proc_title_template(t, "/usr/bin/redis-server", &c).as_deref(),
            Some("/usr/bin/redis-server *:6379")
        );
        c.bind = vec!["127.0.0.1".into()];
        c.cluster_enabled = true;
        let t = &c.proc_title_template;
        assert_eq!(
            expand_proc_title_template(t, "x", &c).as_deref(),
            Some("x 127.0.0.1:6379 [cluster]")
        );
        c.port = 0;
        assert_eq!(
            expand_proc_title_template("{listen-addr} {config-file}", "", &c).as_deref(),
            Some("unixsocket:(null) -")
        );
    }

    #[test]
    fn validation_expands_against_the_configuration() {
        let mut c = Config::default();
        assert!(validate_proc_title_template("{config-file}", &c));
        assert!(validate_proc_title_template("}}", &c));
        assert!(!validate_proc_title_template("{title}", &c));
        assert!(!validate_proc_title_template("{server-mode}", &c));
        assert!(!validate_proc_title_template("{unixsocket}", &c));
        assert!(!validate_proc_title_template("  ", &c));
        assert!(!validate_proc_title_template("x{a{b}", &c));
        assert!(!validate_proc_title_template("{invalid-var}", &c));
        c.unixsocket = Some("/tmp/s".into());
        assert!(validate_proc_title_template("{unixsocket}", &c));
    }
}
