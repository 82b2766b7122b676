#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| limber_fuzz::schedule(data));
