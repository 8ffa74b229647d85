//! The event loop. Redis counterpart: ae.c with the ae_epoll.c backend — here
//! mio::Poll is the backend.
//!
//! One loop iteration (Redis: aeProcessEvents):
//! 1. `before_sleep` (write pending replies, free closed clients, the fast
//!    expire cycle, ...);
//! 2. poll with a timeout that ends at the nearest time event — or zero when
//!    some client still has buffered input to serve;
//! 3. copy the fired events out (Redis's `fired[]`), then dispatch them:
//!    listeners accept, clients read and/or write;
//! 4. run the time events that are due (`server_cron`).
//!
//! Busy polling before sleep (an oxidis addition, hidden config
//! `busy-poll-usecs`, default 30). When a poll would block, waking the loop
//! again costs the *sender* dearly: its write() finds us asleep in
//! epoll_wait and pays for the wake-up of another CPU (an IPI, a VM exit on
//! a virtual machine) inside sock_def_readable. Redis spends more CPU per
//! request, so under load it is rarely asleep when a request arrives; a
//! leaner loop sleeps after every few requests (measured: 33k sleeps per
//! 200k LRANGE requests at P=1 against Redis's 6k) and the clients slow
//! down. So, when the previous wait was short, the loop first polls with a
//! zero timeout for up to `busy-poll-usecs`; a request that arrives in that
//! window is served without a sleep or a wake-up. A spin that catches
//! nothing turns spinning off until a blocking wait is again short (under
//! twice the window), so an idle server, or one whose clients pause between
//! requests, does not spin. Nor does a loop serving pipelined batches (4 or
//! more commands per event): their wake-ups are already amortised, and at
//! P=16 spinning raised CPU per request by 10% for no throughput.
//! `busy-poll-usecs 0` disables it.
//!
//! Divergence: mio is edge-triggered. A client is registered once for both
//! directions; a read shorter than the buffer means the socket is drained;
//! a client that hits the per-event read cap is kept on
//! `clients_pending_read` and served on the next iteration.

use std::time::{Duration, Instant};

use mio::{Events, Poll, Token};
use oxidis_ds::util;

use crate::networking::{self, LISTENER_TOKEN_BASE};
use crate::server::Server;

/// A time event handler returns the delay in ms until it should run again,
/// or `None` to be removed (Redis: AE_NOMORE).
pub type TimeProc = fn(&mut Server) -> Option<i64>;

pub struct TimeEvent {
    pub id: u64,
    pub when_ms: i64,
    pub proc_: TimeProc,
}

/// Redis: aeEventLoop.
/// Commands per fired event from which a batch counts as pipelined and the
/// loop stops busy polling.
const SPIN_MAX_DEPTH: u64 = 4;

pub struct EventLoop {
    pub poll: Poll,
    events: Events,
    fired: Vec<(Token, bool, bool)>, // (token, readable, writable)
    time_events: Vec<TimeEvent>,
    next_time_id: u64,
    pub stop: bool,
    /// The last wait was short: spin before the next sleep.
    spin_hint: bool,
}

impl EventLoop {
    pub fn new(setsize: usize) -> std::io::Result<EventLoop> {
        Ok(EventLoop {
            poll: Poll::new()?,
            events: Events::with_capacity(setsize.clamp(128, 1024)),
            fired: Vec::with_capacity(1024),
            time_events: Vec::new(),
            next_time_id: 0,
            stop: false,
            spin_hint: false,
        })
    }

    /// Redis: aeCreateTimeEvent.
    pub fn create_time_event(&mut self, after_ms: i64, proc_: TimeProc) -> u64 {
        let id = self.next_time_id;
        self.next_time_id += 1;
        self.time_events.push(TimeEvent {
            id,
            when_ms: util::mstime() + after_ms,
            proc_,
        });
        id
    }

    fn nearest_timer_ms(&self) -> Option<i64> {
        self.time_events.iter().map(|t| t.when_ms).min()
    }

    /// Redis: processTimeEvents.
    fn process_time_events(&mut self, s: &mut Server) {
        let now = util::mstime();
        let mut i = 0;
        while i < self.time_events.len() {
            if self.time_events[i].when_ms <= now {
                let p = self.time_events[i].proc_;
                match p(s) {
                    Some(ms) => {
                        self.time_events[i].when_ms = util::mstime() + ms;
                        i += 1;
                    }
                    None => {
                        self.time_events.remove(i);
                    }
                }
            } else {
                i += 1;
            }
        }
    }

    /// One iteration. Redis: aeProcessEvents(AE_ALL_EVENTS|AE_CALL_BEFORE_SLEEP).
    pub fn process_events(&mut self, s: &mut Server) {
        s.before_sleep();
        let timeout = if !s.clients_pending_read.is_empty() || !s.clients_pending_write.is_empty() {
            Some(Duration::ZERO)
        } else {
            self.nearest_timer_ms()
                .map(|w| Duration::from_millis((w - util::mstime()).max(0) as u64))
        };
        let spin = Duration::from_micros(s.config.busy_poll_usecs.max(0) as u64);
        if timeout == Some(Duration::ZERO) || spin.is_zero() {
            self.poll_and_dispatch(s, timeout);
        } else {
            let commands_before = s.stats.numcommands;
            if !(self.spin_hint && self.spin_poll(spin)) {
                let start = Instant::now();
                let fired = self.poll(timeout);
                self.spin_hint = fired > 0 && start.elapsed() < spin * 2;
            }
            let fired = self.dispatch(s) as u64;
            // Pipelined clients pay for a wake-up many commands at a time;
            // spinning for them would only burn CPU.
            if s.stats.numcommands - commands_before >= SPIN_MAX_DEPTH * fired {
                self.spin_hint = false;
            }
        }
        self.process_time_events(s);
    }

    /// Polls with a zero timeout until something fires (true) or `window`
    /// has passed (false, and spinning stays off until a short wait).
    fn spin_poll(&mut self, window: Duration) -> bool {
        let start = Instant::now();
        loop {
            if self.poll(Some(Duration::ZERO)) > 0 {
                return true;
            }
            if start.elapsed() >= window {
                self.spin_hint = false;
                return false;
            }
        }
    }

    /// Redis: processEventsWhileBlocked(). Serves clients (file events only, no
    /// timers) from inside a long operation such as loading a big RDB file.
    pub fn process_events_while_blocked(&mut self, s: &mut Server) {
        for _ in 0..4 {
            s.update_cached_time();
            s.before_sleep();
            if self.poll_and_dispatch(s, Some(Duration::ZERO)) == 0 {
                break;
            }
        }
        s.before_sleep();
    }

    /// Polls once and dispatches the fired file events; returns how many fired.
    fn poll_and_dispatch(&mut self, s: &mut Server, timeout: Option<Duration>) -> usize {
        self.poll(timeout);
        self.dispatch(s)
    }

    /// Polls once and copies the fired events out; returns how many fired.
    fn poll(&mut self, timeout: Option<Duration>) -> usize {
        if let Err(e) = self.poll.poll(&mut self.events, timeout) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                crate::server_log!(Warning, "poll error: {}", e);
            }
        }
        self.fired.clear();
        for ev in self.events.iter() {
            self.fired.push((
                ev.token(),
                ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                ev.is_writable(),
            ));
        }
        self.fired.len()
    }

    /// Dispatches the events `poll` copied out, then the clients left with
    /// unread input; returns how many events fired.
    fn dispatch(&mut self, s: &mut Server) -> usize {
        for k in 0..self.fired.len() {
            let (tok, readable, writable) = self.fired[k];
            if tok == crate::rdb::WAKER_TOKEN {
                crate::rdb::bgsave::check_child_done(s);
                continue;
            }
            if tok.0 >= LISTENER_TOKEN_BASE {
                networking::accept_on(s, tok.0 - LISTENER_TOKEN_BASE);
                continue;
            }
            if readable {
                networking::read_query_from_client(s, tok.0);
            }
            if writable {
                networking::handle_writable(s, tok.0);
            }
        }
        // Clients that hit the read cap last time.
        if !s.clients_pending_read.is_empty() {
            let list = std::mem::take(&mut s.clients_pending_read);
            for slot in list {
                if let Some(c) = s.clients.get_mut(slot) {
                    c.pending_read = false;
                    networking::read_query_from_client(s, slot);
                }
            }
        }
        self.fired.len()
    }

    /// Redis: aeMain.
    pub fn run(&mut self, s: &mut Server) {
        while !self.stop {
            self.process_events(s);
            if let Some(code) = s.exit_code {
                let _ = code;
                self.stop = true;
            }
        }
    }
}
