//! oxidis library root.
#![deny(unsafe_code)]
