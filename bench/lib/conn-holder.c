/*
 * Connection holder for bench/scan.bench.ts: in the current network namespace, listens on
 * ADDR:PORT and opens COUNT TCP connections to it, then holds all of them until stdin closes or
 * MAX_SECONDS pass. Prints {"ready":COUNT} once every connection is accepted.
 * usage: conn-holder ADDR PORT COUNT MAX_SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: conn-holder ADDR PORT COUNT MAX_SECONDS\n"); return 2; }
  int port = atoi(argv[2]), count = atoi(argv[3]), max_seconds = atoi(argv[4]);
  if (count <= 0 || count > 9000 || max_seconds <= 0 || max_seconds > 600) { fprintf(stderr, "bad count/seconds\n"); return 2; }
  struct rlimit rl = { (rlim_t)(2 * count + 64), (rlim_t)(2 * count + 64) };
  struct rlimit cur;
  getrlimit(RLIMIT_NOFILE, &cur);
  if (rl.rlim_max > cur.rlim_max) rl.rlim_max = cur.rlim_max;
  if (rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) { perror("setrlimit"); return 1; }

  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) { fprintf(stderr, "bad addr\n"); return 2; }
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) { perror("listen"); return 1; }
  int accepted = 0;
  for (int i = 0; i < count; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); return 1; }
    /* accept as we go so the backlog never fills */
    while (accepted <= i) {
      int s = accept(ls, NULL, NULL);
      if (s < 0) { perror("accept"); return 1; }
      accepted++;
    }
  }
  printf("{\"ready\":%d}\n", accepted);
  fflush(stdout);
  struct pollfd p = { .fd = 0, .events = POLLIN };
  poll(&p, 1, max_seconds * 1000);
  return 0;
}
