/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The few kernel types raudit's BPF programs touch, written by hand instead of a
 * generated vmlinux.h: every struct is preserve_access_index, so libbpf relocates each
 * field against the running kernel's BTF (CO-RE) and only names matter, not layouts.
 */
#ifndef RAUDIT_MINI_H
#define RAUDIT_MINI_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

/* The uapi constants the programs and bpf_helpers.h name. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum { BPF_ANY = 0 };
enum { BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2 };
enum { BPF_RB_AVAIL_DATA = 0 };

#define PRA __attribute__((preserve_access_index))

struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long orig_ax;
} PRA;

typedef struct { unsigned int val; } kuid_t;

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} PRA;

struct file {
	void *private_data;
} PRA;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} PRA;

struct files_struct {
	struct fdtable *fdt;
} PRA;

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	kuid_t loginuid;
	unsigned int sessionid;
	struct mm_struct *mm;
	struct files_struct *files;
} PRA;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} PRA;

struct sock_common {
	__be32 skc_rcv_saddr;
	__u16 skc_num;
	struct in6_addr skc_v6_rcv_saddr;
} PRA;

struct sock {
	struct sock_common __sk_common;
} PRA;

struct socket {
	short type;
	struct sock *sk;
} PRA;

struct linux_binprm {
	const char *filename;
} PRA;

#endif
