/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The one record the BPF programs hand to userspace through the ring buffer. The Rust
 * side does not mirror it by hand: libbpf-cargo generates `types::event` from this.
 */
#ifndef RAUDIT_EVENT_H
#define RAUDIT_EVENT_H

#define COMM_LEN 16
#define PATH_LEN 256
/* A power of two, so masking keeps the verifier sure every copy stays inside. */
#define ARGS_LEN 1024

enum event_kind {
	KIND_CONNECT = 1,
	KIND_EXEC = 2,
	KIND_OPEN = 3,
};

struct event {
	__u64 ts_ns;     /* CLOCK_MONOTONIC */
	__u64 cgroup_id; /* cgroup v2 id = inode number of its directory */
	__s64 ret;       /* the syscall's return value */
	__u32 kind;
	__u32 pid;  /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 auid; /* task->loginuid */
	__u32 ses;  /* task->sessionid */
	__u32 syscall;
	__u32 flags; /* open flags */
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 args_len;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[COMM_LEN];
	char path[PATH_LEN];
	char args[ARGS_LEN]; /* exec only: NUL-separated argv; other kinds omit it */
};

#endif
