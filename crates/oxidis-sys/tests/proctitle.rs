//! oxidis_sys::spt_init / set_proc_title in a process of their own. Redis
//! counterpart: setproctitle.c. Runs without the test harness (see
//! Cargo.toml) because spt_init rewrites the environment and argv, which is
//! only sound while the process has a single thread.

fn main() {
    let args_before: Vec<String> = std::env::args().collect();
    let vars_before: Vec<(String, String)> = std::env::vars().collect();
    let path_before = std::env::var("PATH");

    oxidis_sys::spt_init();
    oxidis_sys::set_proc_title(b"oxidis proctitle test");

    // The title is what the kernel now reports...
    let cmdline = std::fs::read("/proc/self/cmdline").unwrap();
    assert!(
        cmdline.starts_with(b"oxidis proctitle test\0"),
        "{:?}",
        String::from_utf8_lossy(&cmdline)
    );
    // ...while argv and the environment, moved out of that memory, still
    // read as before through std.
    assert_eq!(std::env::args().collect::<Vec<_>>(), args_before);
    assert_eq!(std::env::vars().collect::<Vec<_>>(), vars_before);
    assert_eq!(std::env::var("PATH"), path_before);
    std::env::set_var("OXIDIS_PROCTITLE_TEST", "1");
    assert_eq!(std::env::var("OXIDIS_PROCTITLE_TEST").as_deref(), Ok("1"));

    // A second, longer title; then an empty one changes nothing.
    let long = "y".repeat(400);
    oxidis_sys::set_proc_title(long.as_bytes());
    oxidis_sys::set_proc_title(b"");
    let cmdline = std::fs::read("/proc/self/cmdline").unwrap();
    let shown = cmdline.split(|&b| b == 0).next().unwrap();
    // Cut at setproctitle.c's 255 bytes, or at the area's size if smaller.
    assert!(shown.len() <= 255 && shown.iter().all(|&b| b == b'y'));
    assert_eq!(std::env::args().collect::<Vec<_>>(), args_before);
    println!("proctitle: ok");
}
