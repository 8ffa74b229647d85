//! ACL over TCP: users, permissions, the log, the ACL file, and the rules
//! described back the way a real redis-server 7.0.15 describes them.

mod common;

use std::path::Path;

use common::*;

const REDIS: &str = "/usr/bin/redis-server";

fn text(r: &[u8]) -> String {
    String::from_utf8_lossy(r).into_owned()
}

/// The bulk strings of a flat reply, in order.
fn bulks(r: &[u8]) -> Vec<String> {
    let t = text(r);
    let lines: Vec<&str> = t.split("\r\n").collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('$') && lines[i] != "$-1" {
            out.push(lines[i + 1].to_string());
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

/// ACL GETUSER's fields; `commands` as a sorted token list, since Redis
/// itself emits single-command rules in hash-table order.
fn getuser(c: &mut std::net::TcpStream, name: &str) -> Vec<String> {
    let b = bulks(&call(c, &[b"ACL", b"GETUSER", name.as_bytes()]));
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == "commands" && i + 1 < b.len() {
            let mut toks: Vec<&str> = b[i + 1].split(' ').collect();
            toks.sort_unstable();
            out.push(format!("commands={}", toks.join(" ")));
            i += 2;
        } else {
            out.push(b[i].clone());
            i += 1;
        }
    }
    out
}

const RULE_SETS: &[&[&str]] = &[
    &[],
    &["on", ">pass", "~*", "+@all"],
    &["reset", "+@all", "-@dangerous", "+keys", "-@write", "+set"],
    &[
        "reset",
        "-@all",
        "+@hash",
        "+select|1",
        "+@read",
        "-hget",
        "+client|id",
    ],
    &[
        "reset",
        "+@all",
        "-config",
        "+config|get",
        "-debug",
        "+debug|digest",
    ],
    &[
        "%R~r*",
        "%W~w*",
        "%RW~rw*",
        "~x",
        "&c1",
        "resetchannels",
        "&c2",
    ],
    &[
        "(+get ~k*)",
        "(+set %W~w* &ch)",
        "skip-sanitize-payload",
        "nopass",
    ],
    &[
        "allkeys",
        "allchannels",
        "allcommands",
        "-@scripting",
        "#2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    ],
];

#[test]
fn rules_are_described_back_as_redis_describes_them() {
    if !Path::new(REDIS).exists() {
        return;
    }
    let ox = start(&[]);
    let redis = start_exe(REDIS, &[]).expect("redis-server did not start");
    let mut co = connect(&ox);
    let mut cr = connect(&redis);
    for (i, rules) in RULE_SETS.iter().enumerate() {
        let name = format!("u{i}");
        let mut argv: Vec<&[u8]> = vec![b"ACL", b"SETUSER", name.as_bytes()];
        argv.extend(rules.iter().map(|r| r.as_bytes()));
        assert_eq!(text(&call(&mut co, &argv)), text(&call(&mut cr, &argv)));
        assert_eq!(
            getuser(&mut co, &name),
            getuser(&mut cr, &name),
            "{rules:?}"
        );
    }
    // Refused rules: the same error, and nothing applied.
    for bad in [
        &b"+nosuchcmd"[..],
        b"~a b",
        b"%X~k",
        b"#abc",
        b"<nope",
        b"+config|get|x",
        b"(+get",
    ] {
        let argv: Vec<&[u8]> = vec![b"ACL", b"SETUSER", b"u1", bad];
        assert_eq!(
            text(&call(&mut co, &argv)),
            text(&call(&mut cr, &argv)),
            "{}",
            text(bad)
        );
    }
    assert_eq!(getuser(&mut co, "u1"), getuser(&mut cr, "u1"));
}

#[test]
fn permissions_are_enforced_with_redis_errors_and_logged() {
    let srv = start(&[]);
    let mut admin = connect(&srv);
    let mut c = connect(&srv);
    run(
        &mut admin,
        &[
            (
                &[
                    b"ACL", b"SETUSER", b"app", b"on", b">secret", b"+get", b"+set", b"~app:*",
                    b"&news",
                ],
                b"+OK\r\n",
            ),
            (&[b"ACL", b"WHOAMI"], b"$7\r\ndefault\r\n"),
        ],
    );
    run(
        &mut c,
        &[
            (&[b"AUTH", b"app", b"wrong"], b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
            (&[b"AUTH", b"app", b"secret"], b"+OK\r\n"),
            (&[b"SET", b"app:1", b"v"], b"+OK\r\n"),
            (&[b"SET", b"other", b"v"], b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"),
            (&[b"INCR", b"app:1"], b"-NOPERM this user has no permissions to run the 'incr' command\r\n"),
            (&[b"ACL", b"WHOAMI"], b"-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n"),
        ],
    );
    let log = bulks(&call(&mut admin, &[b"ACL", b"LOG"]));
    // Newest first: acl|whoami, incr, other (key), then the failed AUTH.
    let objects: Vec<&str> = log
        .windows(2)
        .filter(|w| w[0] == "object")
        .map(|w| w[1].as_str())
        .collect();
    assert_eq!(objects, ["acl|whoami", "incr", "other", "AUTH"]);
    // Deleting the user disconnects its client.
    run(&mut admin, &[(&[b"ACL", b"DELUSER", b"app"], b":1\r\n")]);
    assert!(closed(&mut c));
}

#[test]
fn acl_file_saves_loads_and_refuses_a_broken_file_whole() {
    let dir = std::env::temp_dir().join(format!("oxidis-acl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("users.acl"),
        "user default on nopass ~* &* +@all\n",
    )
    .unwrap();
    let srv = start_exe_in(
        env!("CARGO_BIN_EXE_oxidis-server"),
        Some(&dir),
        &["--aclfile", "users.acl"],
    )
    .expect("server did not start");
    let mut c = connect(&srv);
    run(
        &mut c,
        &[
            (
                &[b"ACL", b"SETUSER", b"bob", b"on", b">pw", b"+@set", b"~s*"],
                b"+OK\r\n",
            ),
            (&[b"ACL", b"SAVE"], b"+OK\r\n"),
        ],
    );
    let saved = std::fs::read_to_string(dir.join("users.acl")).unwrap();
    assert!(saved.contains("user bob on #"), "{saved}");
    assert!(saved.contains("~s* resetchannels -@all +@set\n"), "{saved}");
    // A duplicate user: the whole file is refused, the users stay.
    std::fs::write(
        dir.join("users.acl"),
        format!("{saved}user bob on nopass\n"),
    )
    .unwrap();
    let r = text(&call(&mut c, &[b"ACL", b"LOAD"]));
    assert!(r.contains("Duplicate user 'bob' found on line 3"), "{r}");
    assert!(
        r.ends_with("no change to the previously active ACL rules was performed\r\n"),
        "{r}"
    );
    assert_eq!(
        bulks(&call(&mut c, &[b"ACL", b"USERS"])),
        ["bob", "default"]
    );
    std::fs::write(
        dir.join("users.acl"),
        "user default on nopass ~* &* +@all\nuser eve on nopass +get ~*\n",
    )
    .unwrap();
    run(&mut c, &[(&[b"ACL", b"LOAD"], b"+OK\r\n")]);
    assert_eq!(
        bulks(&call(&mut c, &[b"ACL", b"USERS"])),
        ["default", "eve"]
    );
    drop(srv);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn requirepass_is_the_default_users_password() {
    let srv = start(&["--requirepass", "foo"]);
    let mut c = connect(&srv);
    run(
        &mut c,
        &[
            (&[b"PING"], b"-NOAUTH Authentication required.\r\n"),
            (
                &[b"AUTH", b"bar"],
                b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
            ),
            (&[b"AUTH", b"default", b"foo"], b"+OK\r\n"),
            (&[b"CONFIG", b"SET", b"requirepass", b""], b"+OK\r\n"),
            (
                &[b"ACL", b"LIST"],
                b"*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n",
            ),
        ],
    );
}
