//! Keeping the idle daemon small: one malloc arena, and memory and code pages handed back
//! once start-up or a card is over.

use std::path::Path;

/// Hands freed heap pages back to the system after the card closes, so the daemon's memory
/// returns close to its idle size instead of keeping the window's high-water mark.
/// glibc gives each thread that allocates an arena of its own, and each arena keeps pages of
/// its own; limber's watcher threads allocate a little now and then and never contend, so one
/// shared arena holds the same data in fewer pages.
pub fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_ARENA_MAX: i32 = -8;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: called before any other thread exists; mallopt only changes allocator
        // tuning and has no memory-safety preconditions.
        unsafe {
            mallopt(M_ARENA_MAX, 1);
        }
    }
}

/// Start-up (and the card) run code an idle daemon will not run again for an hour, and its
/// pages stay mapped, counted against limber, until the kernel runs short of memory. Dropping
/// the mappings of the program's own code hands them back to the page cache; whatever runs
/// next is faulted back in from there, which is cheap. Only the executable mapping is
/// touched: it is never written, so nothing is lost (data and relocated read-only pages are
/// left alone).
fn release_code() {
    let (Ok(exe), Ok(maps)) = (std::fs::read_link("/proc/self/exe"), std::fs::read_to_string("/proc/self/maps")) else {
        return;
    };
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms), Some(path)) = (fields.next(), fields.next(), fields.nth(3)) else { continue };
        if perms != "r-xp" || Path::new(path) != exe {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        // SAFETY: the range is a private, read-only, executable mapping of our own program
        // file, never written; MADV_DONTNEED only unmaps its pages, which are read back from
        // the file on the next access.
        let _ = unsafe { rustix::mm::madvise(start as *mut _, end.saturating_sub(start), rustix::mm::Advice::LinuxDontNeed) };
    }
}

pub fn release_memory() {
    release_code();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns free memory to the kernel; it has no
        // preconditions and touches no memory the program still uses.
        unsafe {
            malloc_trim(0);
        }
    }
}
