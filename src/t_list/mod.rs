//! Lists. Redis counterpart: t_list.c (7.0).
pub mod quicklist;
