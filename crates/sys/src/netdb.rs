//! The C library's network and message databases, whose answers the
//! reference prints: numeric socket addresses (`getnameinfo`, scope ids
//! of link-local inet6 addresses name their interface), and protocol
//! names (`getprotobynumber`).

use std::ffi::CStr;

/// The numeric host and port of the `sockaddr_in` (`inet6` false) or
/// `sockaddr_in6` at the start of `raw`; None when `raw` is shorter than
/// that structure or getnameinfo fails.
pub fn numeric_name(raw: &[u8], inet6: bool) -> Option<(String, String)> {
    let len = if inet6 {
        std::mem::size_of::<libc::sockaddr_in6>()
    } else {
        std::mem::size_of::<libc::sockaddr_in>()
    };
    if raw.len() < len {
        return None;
    }
    // SAFETY: a zeroed sockaddr_storage is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    // SAFETY: raw holds at least `len` bytes (checked above), storage is
    // larger than any inet structure, and the regions do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(raw.as_ptr(), (&raw mut storage).cast::<u8>(), len);
    }
    let mut host = [0 as libc::c_char; 1025];
    let mut serv = [0 as libc::c_char; 32];
    // SAFETY: every buffer is valid for the length passed with it.
    let rc = unsafe {
        libc::getnameinfo(
            (&raw const storage).cast::<libc::sockaddr>(),
            len as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr(),
            serv.len() as libc::socklen_t,
            libc::NI_NUMERICHOST | libc::NI_NUMERICSERV,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: getnameinfo NUL-terminated both buffers.
    let host = unsafe { CStr::from_ptr(host.as_ptr()) }.to_string_lossy().into_owned();
    // SAFETY: as above.
    let serv = unsafe { CStr::from_ptr(serv.as_ptr()) }.to_string_lossy().into_owned();
    Some((host, serv))
}

/// `getprotobynumber`: the protocol's name from the protocols database.
pub fn protocol_name(number: i32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 1024];
    // SAFETY: a zeroed protoent is a valid out-parameter.
    let mut ent: libc::protoent = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::protoent = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; buf outlives its use.
    let rc =
        unsafe { getprotobynumber_r(number, &mut ent, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || ent.p_name.is_null() {
        return None;
    }
    // SAFETY: the call succeeded; p_name points into buf.
    Some(unsafe { CStr::from_ptr(ent.p_name) }.to_string_lossy().into_owned())
}

unsafe extern "C" {
    fn getprotobynumber_r(
        proto: libc::c_int,
        result_buf: *mut libc::protoent,
        buf: *mut libc::c_char,
        buflen: libc::size_t,
        result: *mut *mut libc::protoent,
    ) -> libc::c_int;
}
