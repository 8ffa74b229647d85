//! COMMAND INFO / DOCS / GETKEYS over TCP, checked against replies recorded
//! from Redis 7.0.15.

mod common;

use common::*;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn command_info_and_docs_spell_tips_groups_and_tokens_as_redis() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    // Tips are lower case, as Redis's generator writes them.
    let r = call(&mut c, &[b"COMMAND", b"INFO", b"ping"]);
    assert!(
        contains(&r, b"$25\r\nrequest_policy:all_shards\r\n"),
        "{:?}",
        String::from_utf8_lossy(&r)
    );
    // The sorted-set group has a dash, not the JSON's underscore.
    let r = call(&mut c, &[b"COMMAND", b"DOCS", b"zcard"]);
    assert!(contains(&r, b"$5\r\ngroup\r\n$10\r\nsorted-set\r\n"));
    // Tokens are upper case (CLIENT LIST TYPE normal|master|...).
    let r = call(&mut c, &[b"COMMAND", b"DOCS", b"client|list"]);
    assert!(contains(&r, b"$6\r\nNORMAL\r\n"));
    // MIGRATE's empty-key token is present and empty.
    let r = call(&mut c, &[b"COMMAND", b"DOCS", b"migrate"]);
    assert!(contains(&r, b"$5\r\ntoken\r\n$0\r\n\r\n"));
}

#[test]
fn command_getkeys_uses_the_commands_own_helpers() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    // SET's spec has variable flags: without GET the key is only overwritten.
    assert_eq!(
        call(
            &mut c,
            &[b"COMMAND", b"GETKEYSANDFLAGS", b"set", b"k1", b"v1"]
        ),
        b"*1\r\n*2\r\n$2\r\nk1\r\n*2\r\n+OW\r\n+update\r\n".to_vec()
    );
    assert_eq!(
        call(
            &mut c,
            &[
                b"COMMAND",
                b"GETKEYSANDFLAGS",
                b"bitfield",
                b"k",
                b"get",
                b"u8",
                b"0"
            ]
        ),
        b"*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n".to_vec()
    );
    // MIGRATE's first spec is incomplete: "" is a placeholder, not a key.
    let argv: &[&[u8]] = &[
        b"COMMAND", b"GETKEYS", b"migrate", b"h", b"p", b"", b"0", b"5", b"KEYS", b"a", b"b",
    ];
    assert_eq!(call(&mut c, argv), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n".to_vec());
    assert_eq!(
        call(&mut c, &[b"COMMAND", b"GETKEYS", b"ping", b"hello"]),
        b"-ERR The command has no key arguments\r\n".to_vec()
    );
}

#[test]
fn migrate_passwords_are_redacted_in_the_slowlog() {
    let srv = start(&[]);
    let mut c = connect(&srv);
    let port = srv.port.to_string();
    call(
        &mut c,
        &[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"],
    );
    call(&mut c, &[b"SLOWLOG", b"RESET"]);
    let p = port.as_bytes();
    // The key does not exist, so MIGRATE answers NOKEY without connecting.
    call(
        &mut c,
        &[
            b"MIGRATE",
            b"127.0.0.1",
            p,
            b"key",
            b"9",
            b"5000",
            b"AUTH",
            b"pw",
        ],
    );
    call(
        &mut c,
        &[
            b"MIGRATE",
            b"127.0.0.1",
            p,
            b"key",
            b"9",
            b"5000",
            b"AUTH2",
            b"user",
            b"pw",
        ],
    );
    let log = call(&mut c, &[b"SLOWLOG", b"GET", b"2"]);
    let auth2 = b"$5\r\nAUTH2\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n";
    let auth = b"$4\r\nAUTH\r\n$10\r\n(redacted)\r\n";
    assert!(contains(&log, auth2), "{}", String::from_utf8_lossy(&log));
    assert!(contains(&log, auth));
    assert!(!contains(&log, b"pw") && !contains(&log, b"user"));
}
