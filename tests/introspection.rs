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
