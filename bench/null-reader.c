/* null-reader.c - the ceiling for any audit daemon on this machine (bench/daemon-run).
 * Registers as the audit daemon, receives every record with recvmmsg (64 at a time, the same
 * 128 MiB receive buffer as rauditd) and discards it: no parsing, no writing. What it admits under
 * a storm is what a daemon with zero cost of its own would admit. Prints the storm's SYSCALL
 * records (key="storm") seen.
 * usage: null-reader (as root; stop it with SIGTERM) */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define KEY "key=\"storm\""
#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>
static volatile sig_atomic_t stop;
static void on(int s) { (void)s; stop = 1; }
static int setpid(int fd, unsigned pid) {
  struct { struct nlmsghdr h; struct audit_status s; } m; memset(&m, 0, sizeof m);
  m.h.nlmsg_len = sizeof m; m.h.nlmsg_type = AUDIT_SET; m.h.nlmsg_flags = NLM_F_REQUEST;
  m.s.mask = AUDIT_STATUS_PID; m.s.pid = pid;
  struct sockaddr_nl k = { .nl_family = AF_NETLINK };
  return sendto(fd, &m, sizeof m, 0, (struct sockaddr *)&k, sizeof k);
}
#define N 64
#define SLOT 65536
int main(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
  int sz = 128 << 20; setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
  struct sockaddr_nl me = { .nl_family = AF_NETLINK }; bind(fd, (struct sockaddr *)&me, sizeof me);
  signal(SIGTERM, on); signal(SIGINT, on);
  setpid(fd, getpid());
  char *buf = malloc((size_t)N * SLOT);
  struct mmsghdr msgs[N]; struct iovec iov[N]; struct sockaddr_nl a[N];
  long syscalls = 0;
  while (!stop) {
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, 200) <= 0) continue;
    for (;;) {
      for (int i = 0; i < N; i++) {
        iov[i].iov_base = buf + (size_t)i * SLOT; iov[i].iov_len = SLOT;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &a[i]; msgs[i].msg_hdr.msg_namelen = sizeof a[i];
      }
      int got = recvmmsg(fd, msgs, N, MSG_DONTWAIT, NULL);
      if (got <= 0) break;
      for (int i = 0; i < got; i++) {
        struct nlmsghdr *h = (void *)(buf + (size_t)i * SLOT);
        char *text = (char *)(h + 1), *end = buf + (size_t)i * SLOT + msgs[i].msg_len;
        if (h->nlmsg_type == AUDIT_SYSCALL && memmem(text, end - text, KEY, strlen(KEY))) syscalls++;
      }
    }
  }
  setpid(fd, 0);
  printf("syscall_records=%ld\n", syscalls);
  return 0;
}
