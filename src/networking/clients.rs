//! The connected clients, and the one lent out to run a command. Redis
//! counterpart: `server.clients` (the list of clients) and
//! `server.current_client`.
//!
//! A command handler holds `&mut Server` and `&mut Client` at once. Rust allows
//! that only while the client is not inside the server, so [`with_client`]
//! takes the client out of its slot for the call and puts it back after; Redis
//! lets `server.current_client` and the list alias one struct instead. While a
//! client is out its slot stays reserved (the slot is its mio token and the key
//! that blocked lists, pub/sub and replicas remember), marked [`Slot::Out`].
//!
//! Only this file sees that mark. [`Clients::get`], [`Clients::get_mut`],
//! [`Clients::iter`] and [`Clients::iter_mut`] pass over a lent-out client as
//! if it were not there, so code walking all clients never finds a stand-in
//! with empty fields; code that must reach the lent-out client asks
//! [`Clients::is_lent`] or [`Clients::current`] and uses the `&mut Client` its
//! caller holds.

use slab::Slab;

use super::Client;
use crate::server::Server;

/// One slot of the table. Clients stay inline, as in a plain slab of
/// clients: boxing them would add a pointer hop to every access, and `Out`
/// is only a mark.
#[allow(clippy::large_enum_variant)]
enum Slot {
    In(Client),
    /// Lent out by [`with_client`] or [`Clients::lend`].
    Out,
}

/// Every connected client, by slot. Redis: `server.clients`.
#[derive(Default)]
pub struct Clients {
    slots: Slab<Slot>,
    current: Option<usize>, // Redis: server.current_client
}

impl Clients {
    /// Connected clients, lent-out ones included.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether `slot` holds a client, in its slot or lent out.
    pub fn contains(&self, slot: usize) -> bool {
        self.slots.contains(slot)
    }

    /// The client in `slot`; None when there is none or it is lent out.
    pub fn get(&self, slot: usize) -> Option<&Client> {
        match self.slots.get(slot)? {
            Slot::In(c) => Some(c),
            Slot::Out => None,
        }
    }

    /// The client in `slot`; None when there is none or it is lent out.
    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Client> {
        match self.slots.get_mut(slot)? {
            Slot::In(c) => Some(c),
            Slot::Out => None,
        }
    }

    /// Every client in its slot (not the lent-out ones), by slot.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Client)> {
        self.slots.iter().filter_map(|(k, s)| match s {
            Slot::In(c) => Some((k, c)),
            Slot::Out => None,
        })
    }

    /// Every client in its slot (not the lent-out ones), by slot.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut Client)> {
        self.slots.iter_mut().filter_map(|(k, s)| match s {
            Slot::In(c) => Some((k, c)),
            Slot::Out => None,
        })
    }

    /// Is the client of `slot` lent out (running a command, or being
    /// checked by [`Clients::lend`]'s caller)?
    pub fn is_lent(&self, slot: usize) -> bool {
        matches!(self.slots.get(slot), Some(Slot::Out))
    }

    /// The slot of the client whose command is running, if any. Redis:
    /// server.current_client.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    /// The slot the next [`Clients::insert`] will use (it is the new
    /// client's mio token, registered before the client exists).
    pub fn vacant_slot(&self) -> usize {
        self.slots.vacant_key()
    }

    /// Adds a client; returns its slot.
    pub fn insert(&mut self, c: Client) -> usize {
        self.slots.insert(Slot::In(c))
    }

    /// Removes the client of `slot`. None when there is none, or it is lent
    /// out (it is freed once it is back).
    pub fn remove(&mut self, slot: usize) -> Option<Client> {
        match self.slots.get(slot)? {
            Slot::In(_) => match self.slots.remove(slot) {
                Slot::In(c) => Some(c),
                Slot::Out => None,
            },
            Slot::Out => None,
        }
    }

    /// Takes the client of `slot` out of the table; the slot stays reserved
    /// until [`Clients::give_back`]. None when there is none or it is already
    /// out.
    pub fn lend(&mut self, slot: usize) -> Option<Client> {
        let s = self.slots.get_mut(slot)?;
        match std::mem::replace(s, Slot::Out) {
            Slot::In(c) => Some(c),
            Slot::Out => None,
        }
    }

    /// Puts a client taken by [`Clients::lend`] back in its slot.
    pub fn give_back(&mut self, slot: usize, c: Client) {
        self.slots[slot] = Slot::In(c);
    }
}

impl std::ops::Index<usize> for Clients {
    type Output = Client;

    /// Panics when the slot is empty or its client is lent out.
    fn index(&self, slot: usize) -> &Client {
        self.get(slot).expect("no client in this slot")
    }
}

impl std::ops::IndexMut<usize> for Clients {
    fn index_mut(&mut self, slot: usize) -> &mut Client {
        self.get_mut(slot).expect("no client in this slot")
    }
}

/// Runs `f` with the client of `slot` lent out of the table, so `f` can hold
/// `&mut Server` and `&mut Client` together; [`Clients::current`] names it
/// meanwhile. None when the slot has no client in it.
pub fn with_client<R>(
    s: &mut Server,
    slot: usize,
    f: impl FnOnce(&mut Server, &mut Client) -> R,
) -> Option<R> {
    let mut c = s.clients.lend(slot)?;
    let prev = s.clients.current.replace(slot);
    let r = f(s, &mut c);
    s.clients.current = prev;
    s.clients.give_back(slot, c);
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lent_client_is_invisible_until_given_back() {
        let mut t = Clients::default();
        let a = t.insert(Client::new(1, 0, None, 0));
        let b = t.insert(Client::new(2, 1, None, 0));
        let ca = t.lend(a).unwrap();
        assert!(t.is_lent(a) && !t.is_lent(b));
        assert!(t.get(a).is_none() && t.get_mut(a).is_none());
        assert!(t.lend(a).is_none());
        assert!(t.remove(a).is_none());
        assert_eq!(
            t.iter().map(|(k, c)| (k, c.id)).collect::<Vec<_>>(),
            vec![(b, 2)]
        );
        assert_eq!(t.len(), 2);
        assert!(t.contains(a));
        t.give_back(a, ca);
        assert_eq!(t.iter().count(), 2);
        assert_eq!(t.remove(a).map(|c| c.id), Some(1));
        assert!(!t.contains(a));
    }
}
