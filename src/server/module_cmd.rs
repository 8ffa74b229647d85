//! MODULE, and the `loadmodule` directive. Redis counterpart: the command
//! half of module.c (moduleCommand, moduleLoadFromQueue); and the commands
//! of cluster.c as a server without cluster mode answers them.
//!
//! oxidis cannot load Redis modules: they are C shared libraries written
//! against Redis's own structures. MODULE LIST answers an empty list, so
//! clients probing for modules work; MODULE LOAD and LOADEX fail the way a
//! failed load fails in Redis, with the reason in the log; a `loadmodule`
//! directive stops the server at start-up, as a module Redis cannot load
//! does.

use super::command::CommandProc;
use super::Server;
use crate::networking::Client;
use crate::server_log;

/// The log line of a module that cannot be loaded.
fn log_cannot_load(path: &[u8]) {
    server_log!(
        Warning,
        "Module {} failed to load: oxidis does not load Redis modules (C shared libraries built against Redis's internals)",
        String::from_utf8_lossy(path)
    );
}

fn module_load_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    log_cannot_load(&argv[2]);
    c.add_reply_error("Error loading the extension. Please check the server logs.");
}

fn module_unload_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_error("Error unloading module: no such module with that name");
}

fn module_list_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_array_len(0);
}

fn module_help_command(_s: &mut Server, c: &mut Client, argv: &[Vec<u8>]) {
    c.add_reply_help(
        &argv[0],
        &[
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
        ],
    );
}

/// The `loadmodule` directives of the configuration: the first one stops
/// the server. Redis: moduleLoadFromQueue.
pub fn load_from_config(s: &Server) {
    for d in &s.config.deferred {
        if d.args.first().map(|a| a.as_slice()) == Some(b"loadmodule".as_slice()) {
            log_cannot_load(&d.args[1]);
            server_log!(
                Warning,
                "Can't load module from {}: server aborting",
                String::from_utf8_lossy(&d.args[1])
            );
            std::process::exit(1);
        }
    }
}

/// CLUSTER, READONLY, READWRITE and ASKING outside cluster mode. Redis:
/// clusterCommand / readonlyCommand / readwriteCommand / askingCommand
/// with cluster_enabled == 0 (and oxidis has no cluster mode).
fn cluster_only_command(_s: &mut Server, c: &mut Client, _argv: &[Vec<u8>]) {
    c.add_reply_error("This instance has cluster support disabled");
}

pub static HANDLERS: &[(&str, CommandProc)] = &[
    ("module|load", module_load_command),
    ("module|loadex", module_load_command),
    ("module|unload", module_unload_command),
    ("module|list", module_list_command),
    ("module|help", module_help_command),
    ("readonly", cluster_only_command),
    ("readwrite", cluster_only_command),
    ("asking", cluster_only_command),
    ("cluster|addslots", cluster_only_command),
    ("cluster|addslotsrange", cluster_only_command),
    ("cluster|bumpepoch", cluster_only_command),
    ("cluster|count-failure-reports", cluster_only_command),
    ("cluster|countkeysinslot", cluster_only_command),
    ("cluster|delslots", cluster_only_command),
    ("cluster|delslotsrange", cluster_only_command),
    ("cluster|failover", cluster_only_command),
    ("cluster|flushslots", cluster_only_command),
    ("cluster|forget", cluster_only_command),
    ("cluster|getkeysinslot", cluster_only_command),
    ("cluster|help", cluster_only_command),
    ("cluster|info", cluster_only_command),
    ("cluster|keyslot", cluster_only_command),
    ("cluster|links", cluster_only_command),
    ("cluster|meet", cluster_only_command),
    ("cluster|myid", cluster_only_command),
    ("cluster|nodes", cluster_only_command),
    ("cluster|replicas", cluster_only_command),
    ("cluster|replicate", cluster_only_command),
    ("cluster|reset", cluster_only_command),
    ("cluster|saveconfig", cluster_only_command),
    ("cluster|set-config-epoch", cluster_only_command),
    ("cluster|setslot", cluster_only_command),
    ("cluster|shards", cluster_only_command),
    ("cluster|slaves", cluster_only_command),
    ("cluster|slots", cluster_only_command),
];
