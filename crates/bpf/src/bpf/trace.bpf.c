// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * raudit's kernel side: connect, exec and open, seen on tracepoints only (kprobes and
 * fentry are not available everywhere). Syscalls come from the per-syscall tracepoints
 * (syscalls:sys_enter_connect, ...), which cost nothing to other syscalls but need tracefs;
 * without it, from tp_btf/sys_enter and tp_btf/sys_exit, filtered by number. Successful
 * execs come from tp_btf/sched_process_exec, where the new image's argv can be read.
 */
#include "mini.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "event.h"

/* x86_64 syscall numbers (the build refuses other targets). */
#define NR_OPEN 2
#define NR_CONNECT 42
#define NR_EXECVE 59
#define NR_OPENAT 257
#define NR_EXECVEAT 322
#define NR_OPENAT2 437

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define ENOTSOCK 88
#define EBADF 9

#define MAX_ARGS 20
#define ARG_CHUNK 128

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by userspace before load: what to trace and whom. Zero means "no filter". */
const volatile u32 want_kinds = 0; /* bit (1 << KIND_*) */
const volatile u32 self_tgid = 0;
const volatile u32 targ_tgid = 0;
const volatile bool filter_uid = false;
const volatile u32 targ_uid = 0;
const volatile bool filter_auid = false;
const volatile u32 targ_auid = 0;
const volatile bool filter_uid_or_auid = false;
const volatile u32 targ_uid_or_auid = 0;
const volatile bool filter_ses = false;
const volatile u32 targ_ses = 0;
const volatile u64 targ_cgroup_id = 0;
const volatile s32 targ_cgroup_level = 0;
const volatile bool failed_only = false;
/* Userspace is woken only once this much waits in the ring buffer (it also reads on a
 * short timer): a wake-up per event would cost more than the tracing itself. */
const volatile u64 wakeup_bytes = 0;

/* Lets libbpf-cargo generate the Rust type of the record. */
struct event _event = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Slot 0: events lost because the ring buffer was full; slot 1: because the table of
 * syscalls in flight was full. Userspace sums the CPUs and reports both. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} lost SEC(".maps");

/* A syscall between its entry and its exit: the user pointers to read at exit. */
struct pending {
	u32 syscall;
	u32 flags;
	u64 ptr;   /* sockaddr, or the filename */
	u64 argv;  /* exec: the user argv array */
	u64 sock;  /* connect: struct socket * of the fd */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct pending);
} inflight SEC(".maps");

static __always_inline void count_lost(u32 slot)
{
	u64 *n = bpf_map_lookup_elem(&lost, &slot);
	if (n)
		*n += 1;
}

static __always_inline bool wanted(u32 kind)
{
	return want_kinds & (1u << kind);
}

/* The filters that depend only on the current task. */
static __always_inline bool task_selected(struct task_struct *task)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tgid = pid_tgid >> 32;
	u32 uid = (u32)bpf_get_current_uid_gid();

	if (self_tgid && tgid == self_tgid)
		return false;
	if (targ_tgid && tgid != targ_tgid)
		return false;
	if (filter_uid && uid != targ_uid)
		return false;
	if (filter_auid || filter_uid_or_auid || filter_ses) {
		u32 auid = BPF_CORE_READ(task, loginuid.val);
		if (filter_auid && auid != targ_auid)
			return false;
		if (filter_uid_or_auid && auid != targ_uid_or_auid && uid != targ_uid_or_auid)
			return false;
		if (filter_ses && BPF_CORE_READ(task, sessionid) != targ_ses)
			return false;
	}
	if (targ_cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id(targ_cgroup_level) != targ_cgroup_id)
		return false;
	return true;
}

/* Reserves a record and fills what every kind carries. */
static __always_inline struct event *start_event(u32 kind, s64 ret, u32 syscall)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e;

	/* Only an exec carries argv: the other kinds leave the tail out of the buffer. */
	if (kind == KIND_EXEC)
		e = bpf_ringbuf_reserve(&events, sizeof(struct event), 0);
	else
		e = bpf_ringbuf_reserve(&events, sizeof(struct event) - ARGS_LEN, 0);
	if (!e) {
		count_lost(0);
		return NULL;
	}
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u64 uid_gid = bpf_get_current_uid_gid();
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ret = ret;
	e->kind = kind;
	e->pid = pid_tgid >> 32;
	e->tid = (u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->auid = BPF_CORE_READ(task, loginuid.val);
	e->ses = BPF_CORE_READ(task, sessionid);
	e->syscall = syscall;
	e->flags = 0;
	e->family = 0;
	e->sport = 0;
	e->dport = 0;
	e->args_len = 0;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	e->path[0] = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* Hands a record to userspace, waking it only when enough has piled up. */
static __always_inline void submit(struct event *e)
{
	u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(e, avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* The socket behind a file descriptor of the current task (or NULL). */
static __always_inline u64 socket_of_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	return (u64)BPF_CORE_READ(file, private_data);
}

static __always_inline void enter_connect(int fd, u64 uaddr, u64 key)
{
	struct pending p = { .syscall = NR_CONNECT, .ptr = uaddr };
	u16 family = 0;
	struct socket *sock;

	if (bpf_probe_read_user(&family, sizeof(family), (void *)p.ptr))
		return;
	if (family != AF_INET && family != AF_INET6)
		return;
	p.sock = socket_of_fd(fd);
	sock = (struct socket *)p.sock;
	if (!sock || BPF_CORE_READ(sock, type) != SOCK_STREAM)
		return;
	if (bpf_map_update_elem(&inflight, &key, &p, BPF_ANY))
		count_lost(1);
}

static __always_inline void exit_connect(struct pending *p, s64 ret)
{
	struct sock *sk;
	struct event *e;
	u8 addr[28] = {};
	u16 family;

	if (ret == -ENOTSOCK || ret == -EBADF)
		return;
	if (failed_only && ret >= 0)
		return;
	if (bpf_probe_read_user(addr, sizeof(addr), (void *)p->ptr))
		return;
	e = start_event(KIND_CONNECT, ret, NR_CONNECT);
	if (!e)
		return;
	family = *(u16 *)addr;
	e->family = family;
	e->dport = ((u16)addr[2] << 8) | addr[3];
	/* Through a local: a cast inside BPF_CORE_READ would relocate struct pending too. */
	struct socket *sock = (struct socket *)p->sock;
	sk = BPF_CORE_READ(sock, sk);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* BPF_CORE_READ_INTO copies sizeof(*dst): read into locals of the field's type. */
	if (family == AF_INET) {
		__be32 saddr = 0;
		__builtin_memcpy(e->daddr, &addr[4], 4);
		BPF_CORE_READ_INTO(&saddr, sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(e->saddr, &saddr, 4);
	} else {
		struct in6_addr saddr = {};
		__builtin_memcpy(e->daddr, &addr[8], 16);
		BPF_CORE_READ_INTO(&saddr, sk, __sk_common.skc_v6_rcv_saddr);
		__builtin_memcpy(e->saddr, &saddr, 16);
	}
	submit(e);
}

/* `flags` is the flags argument, or for openat2 the user pointer to its struct open_how. */
static __always_inline void enter_open(u32 nr, u64 filename, u64 flags, u64 key)
{
	struct pending p = { .syscall = nr, .ptr = filename, .flags = (u32)flags };

	if (nr == NR_OPENAT2) {
		u64 how_flags = 0;
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)flags);
		p.flags = (u32)how_flags;
	}
	if (bpf_map_update_elem(&inflight, &key, &p, BPF_ANY))
		count_lost(1);
}

static __always_inline void exit_open(struct pending *p, s64 ret)
{
	struct event *e;

	if (failed_only && ret >= 0)
		return;
	e = start_event(KIND_OPEN, ret, p->syscall);
	if (!e)
		return;
	e->flags = p->flags;
	bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)p->ptr);
	submit(e);
}

static __always_inline void enter_exec(u32 nr, u64 filename, u64 argv, u64 key)
{
	struct pending p = { .syscall = nr, .ptr = filename, .argv = argv };

	if (bpf_map_update_elem(&inflight, &key, &p, BPF_ANY))
		count_lost(1);
}

/* A failed exec: the caller's image is still there, so its argv can be read. */
static __always_inline void exit_exec(struct pending *p, s64 ret)
{
	struct event *e;
	u32 off = 0;

	if (ret >= 0) /* reported by sched_process_exec */
		return;
	e = start_event(KIND_EXEC, ret, p->syscall);
	if (!e)
		return;
	bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)p->ptr);
	for (int i = 0; i < MAX_ARGS; i++) {
		const char *arg = NULL;
		long n;

		if (bpf_probe_read_user(&arg, sizeof(arg), (void *)(p->argv + i * sizeof(arg))) || !arg)
			break;
		if (off > ARGS_LEN - ARG_CHUNK)
			break;
		n = bpf_probe_read_user_str(&e->args[off & (ARGS_LEN - 1)], ARG_CHUNK, arg);
		if (n <= 0)
			break;
		off += n;
	}
	e->args_len = off;
	submit(e);
}

/* Whether this task's syscall of `kind` is traced at all. */
static __always_inline bool selected(u32 kind)
{
	return wanted(kind) && task_selected((struct task_struct *)bpf_get_current_task());
}

/* The syscall's exit: the event, from what its entry kept. */
static __always_inline void syscall_exit(s64 ret)
{
	u64 key = bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&inflight, &key);

	if (!p)
		return;
	if (p->syscall == NR_CONNECT)
		exit_connect(p, ret);
	else if (p->syscall == NR_EXECVE || p->syscall == NR_EXECVEAT)
		exit_exec(p, ret);
	else
		exit_open(p, ret);
	bpf_map_delete_elem(&inflight, &key);
}

/*
 * Fallback without tracefs: the raw syscall tracepoints, which run for every syscall of
 * every task and are filtered here by number. Userspace loads either these two or the
 * per-syscall tracepoints below, never both.
 */
SEC("tp_btf/sys_enter")
int on_sys_enter(u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	long nr = (long)ctx[1];
	u64 key;

	if (nr == NR_CONNECT) {
		if (!selected(KIND_CONNECT))
			return 0;
		key = bpf_get_current_pid_tgid();
		enter_connect((int)BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), key);
	} else if (nr == NR_OPENAT || nr == NR_OPEN || nr == NR_OPENAT2) {
		if (!selected(KIND_OPEN))
			return 0;
		key = bpf_get_current_pid_tgid();
		if (nr == NR_OPEN)
			enter_open(nr, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), key);
		else
			enter_open(nr, BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx), key);
	} else if (nr == NR_EXECVE || nr == NR_EXECVEAT) {
		if (!selected(KIND_EXEC))
			return 0;
		key = bpf_get_current_pid_tgid();
		if (nr == NR_EXECVE)
			enter_exec(nr, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), key);
		else
			enter_exec(nr, BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx), key);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int on_sys_exit(u64 *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx[0];
	long nr = BPF_CORE_READ(regs, orig_ax);

	if (nr != NR_CONNECT && nr != NR_OPENAT && nr != NR_OPEN && nr != NR_OPENAT2 &&
	    nr != NR_EXECVE && nr != NR_EXECVEAT)
		return 0;
	syscall_exit((s64)ctx[1]);
	return 0;
}

/*
 * The per-syscall tracepoints (need tracefs): each runs only for its own syscall. Their
 * context is the tracefs `format` layout: an 8-byte common header, the syscall number,
 * then every argument (or the return value) as 8 bytes from offset 16.
 */
struct sys_enter_ctx {
	u64 common;
	s32 nr;
	u32 pad;
	u64 args[6];
};

struct sys_exit_ctx {
	u64 common;
	s32 nr;
	u32 pad;
	s64 ret;
};

SEC("tracepoint/syscalls/sys_enter_connect")
int on_enter_connect(struct sys_enter_ctx *ctx)
{
	if (selected(KIND_CONNECT))
		enter_connect((int)ctx->args[0], ctx->args[1], bpf_get_current_pid_tgid());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int on_enter_open(struct sys_enter_ctx *ctx)
{
	if (selected(KIND_OPEN))
		enter_open(NR_OPEN, ctx->args[0], ctx->args[1], bpf_get_current_pid_tgid());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_enter_openat(struct sys_enter_ctx *ctx)
{
	if (selected(KIND_OPEN))
		enter_open(NR_OPENAT, ctx->args[1], ctx->args[2], bpf_get_current_pid_tgid());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int on_enter_openat2(struct sys_enter_ctx *ctx)
{
	if (selected(KIND_OPEN))
		enter_open(NR_OPENAT2, ctx->args[1], ctx->args[2], bpf_get_current_pid_tgid());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int on_enter_execve(struct sys_enter_ctx *ctx)
{
	if (selected(KIND_EXEC))
		enter_exec(NR_EXECVE, ctx->args[0], ctx->args[1], bpf_get_current_pid_tgid());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int on_enter_execveat(struct sys_enter_ctx *ctx)
{
	if (selected(KIND_EXEC))
		enter_exec(NR_EXECVEAT, ctx->args[1], ctx->args[2], bpf_get_current_pid_tgid());
	return 0;
}

/* One exit program serves every traced syscall: the in-flight entry says which it was. */
#define EXIT_PROG(name, syscall)                                   \
	SEC("tracepoint/syscalls/sys_exit_" #syscall)              \
	int name(struct sys_exit_ctx *ctx)                         \
	{                                                          \
		syscall_exit(ctx->ret);                            \
		return 0;                                          \
	}

EXIT_PROG(on_exit_connect, connect)
EXIT_PROG(on_exit_open, open)
EXIT_PROG(on_exit_openat, openat)
EXIT_PROG(on_exit_openat2, openat2)
EXIT_PROG(on_exit_execve, execve)
EXIT_PROG(on_exit_execveat, execveat)

SEC("tp_btf/sched_process_exec")
int on_exec(u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct linux_binprm *bprm = (struct linux_binprm *)ctx[2];
	unsigned long start, end;
	u64 len;
	struct event *e;

	if (!wanted(KIND_EXEC) || failed_only || !task_selected(task))
		return 0;
	u64 key = bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&inflight, &key);
	e = start_event(KIND_EXEC, 0, p ? p->syscall : NR_EXECVE);
	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > ARGS_LEN - 1)
		len = ARGS_LEN - 1;
	len &= ARGS_LEN - 1;
	if (bpf_probe_read_user(e->args, len, (void *)start))
		len = 0;
	e->args_len = len;
	submit(e);
	return 0;
}
