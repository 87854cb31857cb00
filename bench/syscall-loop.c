// bench/syscall-loop KIND N: N connect, open or exec calls as fast as they go, then one line
// "kind=K n=N ns_per_call=X". connect: a TCP connect to a closed loopback port (refused at
// once, no peer needed); open: open+close of /etc/hostname; exec: fork, execve /bin/true, wait.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: syscall-loop connect|open|exec N\n");
        return 2;
    }
    const char *kind = argv[1];
    long n = atol(argv[2]);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    double t0 = now();
    for (long i = 0; i < n; i++) {
        if (!strcmp(kind, "connect")) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            connect(s, (struct sockaddr *)&sa, sizeof(sa));
            close(s);
        } else if (!strcmp(kind, "open")) {
            int fd = open("/etc/hostname", O_RDONLY);
            close(fd);
        } else {
            pid_t p = fork();
            if (p == 0) {
                char *args[] = {"/bin/true", NULL};
                execve("/bin/true", args, NULL);
                _exit(127);
            }
            waitpid(p, NULL, 0);
        }
    }
    printf("kind=%s n=%ld ns_per_call=%.0f\n", kind, n, (now() - t0) / n);
    return 0;
}
