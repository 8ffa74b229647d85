//! Periodic work. Redis counterpart: server.c (serverCron, beforeSleep,
//! databasesCron, clientsCron, trackInstantaneousMetric).

use oxidis_ds::util;

use super::{
    Server, STATS_METRIC_COMMAND, STATS_METRIC_NET_INPUT, STATS_METRIC_NET_OUTPUT,
    STATS_METRIC_SAMPLES,
};
use crate::networking;
use crate::server_log;

impl Server {
    /// Redis: beforeSleep.
    pub fn before_sleep(&mut self) {
        if self.active_expire_enabled && !self.loading {
            crate::expire::active_expire_cycle(self, crate::expire::CycleKind::Fast);
        }
        networking::pause::handle_paused_clients(self);
        crate::blocked::handle_blocked_clients_timeout(self);
        if self.blocking.has_unblocked() {
            crate::blocked::process_unblocked_clients(self);
        }
        if self.blocking.has_ready_keys() {
            crate::blocked::handle_clients_blocked_on_keys(self);
        }
        if let Some(slot) = self.repl.reprocess_master.take() {
            if self.clients.get(slot).is_some() {
                networking::process_input_buffer(self, slot);
            }
        }
        // Redis: updateFailoverStatus — the acks just read may complete the wait.
        crate::replication::failover::update_status(self);
        if self.repl.get_ack_from_slaves || !self.repl.waiting_acks.is_empty() {
            crate::replication::wait::before_sleep(self);
        }
        // Redis: the AOF is written before any reply leaves (and, under
        // `appendfsync always`, replies wait for its fsync: aof/mod.rs).
        crate::aof::before_sleep(self);
        networking::handle_clients_with_pending_writes(self);
        networking::free_clients_in_async_queue(self);
        if !self.rdb.retired.is_empty() {
            crate::rdb::bgsave::free_retired(self);
        }
    }

    /// Redis: trackInstantaneousMetric.
    fn track_metric(&mut self, metric: usize, current: u64) {
        let now = util::mstime();
        let m = &mut self.stats.inst[metric];
        if m.last_sample_time > 0 {
            let t = (now - m.last_sample_time).max(1) as u64;
            let ops = current.saturating_sub(m.last_sample_count);
            m.samples[m.idx] = ops * 1000 / t;
            m.idx = (m.idx + 1) % STATS_METRIC_SAMPLES;
        }
        m.last_sample_time = now;
        m.last_sample_count = current;
    }

    /// Redis: getInstantaneousMetric.
    pub fn instantaneous_metric(&self, metric: usize) -> u64 {
        let m = &self.stats.inst[metric];
        m.samples.iter().sum::<u64>() / STATS_METRIC_SAMPLES as u64
    }

    /// Redis: clientsCron — idle timeouts and query-buffer shrinking.
    fn clients_cron(&mut self) {
        let now = util::mstime();
        let timeout_ms = self.config.timeout * 1000;
        let mut to_close = Vec::new();
        for (slot, c) in self.clients.iter_mut() {
            if timeout_ms > 0
                && c.flags
                    & (crate::networking::client::CLIENT_SLAVE
                        | crate::networking::client::CLIENT_MASTER)
                    == 0
                && now - c.last_interaction > timeout_ms
                && c.conn.is_some()
                && c.bpop.is_none()
            {
                to_close.push(slot);
                continue;
            }
            // Redis: clientsCronResizeQueryBuffer.
            if c.querybuf.capacity() - c.querybuf.len() > 4 * 1024 {
                let idle_s = (now - c.last_interaction) / 1000;
                if idle_s > 2 {
                    if c.querybuf.is_empty() {
                        c.querybuf = Vec::new();
                    } else {
                        c.querybuf.shrink_to_fit();
                    }
                } else if c.querybuf.capacity() > 32 * 1024
                    && c.querybuf.capacity() / 2 > c.querybuf_peak
                {
                    let mut resize = c.querybuf.len().max(c.querybuf_peak);
                    if c.bulklen >= 0 {
                        resize = resize.max(c.bulklen as usize + 2);
                    }
                    c.querybuf.shrink_to(resize);
                }
            }
            c.querybuf_peak = c.querybuf.len();
            if c.bulklen >= 0 && c.bulklen as usize > c.querybuf_peak {
                c.querybuf_peak = c.bulklen as usize;
            }
            if c.buf.is_empty()
                && c.buf.capacity() > super::super::networking::client::PROTO_REPLY_CHUNK_BYTES
            {
                c.buf =
                    Vec::with_capacity(super::super::networking::client::PROTO_REPLY_CHUNK_BYTES);
            }
        }
        for slot in to_close {
            server_log!(Verbose, "Closing idle client");
            networking::free_client_async(self, slot);
        }
        networking::obuf::clients_cron_obuf(self);
    }

    /// Redis: databasesCron — active expiry, resizing and incremental rehash.
    fn databases_cron(&mut self) {
        if self.active_expire_enabled && !self.loading {
            crate::expire::active_expire_cycle(self, crate::expire::CycleKind::Slow);
        }
        for d in self.dbs.iter_mut() {
            if d.dict.needs_resize() {
                d.dict.resize();
            }
            if d.expires.needs_resize() {
                d.expires.resize();
            }
        }
        if self.config.activerehashing {
            for d in self.dbs.iter_mut() {
                if d.dict.is_rehashing() {
                    d.dict.rehash_milliseconds(1);
                    break;
                }
                if d.expires.is_rehashing() {
                    d.expires.rehash_milliseconds(1);
                    break;
                }
            }
        }
    }

    /// Redis: serverCron. Returns the delay until the next run.
    pub fn server_cron(&mut self) -> Option<i64> {
        oxidis_sys::calibrate_clock();
        self.update_cached_time();
        // Redis: the software watchdog fires unless the next cron comes soon.
        if self.config.watchdog_period > 0 {
            oxidis_sys::crash::schedule_watchdog(self.config.watchdog_period as u64);
        }
        self.hz = self.config.hz.clamp(1, 500);
        if self.pause_cron {
            return Some(1000 / self.hz as i64);
        }
        self.track_metric(STATS_METRIC_COMMAND, self.stats.numcommands);
        self.track_metric(STATS_METRIC_NET_INPUT, self.stats.net_input_bytes);
        self.track_metric(STATS_METRIC_NET_OUTPUT, self.stats.net_output_bytes);
        let used = oxidis_sys::used_memory();
        if used > self.stats.peak_memory {
            self.stats.peak_memory = used;
        }
        if self.shutdown_cron() {
            self.exit_code = Some(0);
            return None;
        }
        self.clients_cron();
        self.databases_cron();
        crate::rdb::bgsave::rdb_cron(self);
        crate::aof::cron(self);
        if self.cronloops.is_multiple_of(self.hz.max(1) as u64) {
            crate::rdb::migrate::close_timedout_sockets(self);
        }
        // Redis: every second, or every 100 ms while a failover hurries the
        // handshake along.
        let failing_over =
            self.repl.failover.state != crate::replication::failover::FailoverState::None;
        let period = if failing_over {
            (self.hz / 10).max(1)
        } else {
            self.hz.max(1)
        };
        if self.cronloops.is_multiple_of(period as u64) {
            crate::replication::master::replication_cron(self);
        }
        self.cronloops += 1;
        Some(1000 / self.hz as i64)
    }
}
