/*
 * DNS response generator for bench/dns.bench.ts: sends prebuilt DNS responses over UDP from source
 * port 53 at a fixed rate, bounded in count and time, with sendmmsg in batches of up to 64.
 * Each packet gets its own DNS id and one of 64 destination ports, so no two packets of one second
 * look like the same response crossing a second interface.
 *
 * usage: dns-gen SRC_IP DST_IP RATE COUNT MAX_SECONDS TEMPLATES_FILE
 *   TEMPLATES_FILE: one hex-encoded DNS message per line (at most 4096 lines, 1500 bytes each).
 * Prints one JSON line: {"sent":N,"seconds":S,"rate":R}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEMPLATES 4096
#define MAX_LEN 1500
#define BATCH 64

static unsigned char templates[MAX_TEMPLATES][MAX_LEN];
static int lengths[MAX_TEMPLATES];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: dns-gen SRC DST RATE COUNT MAX_SECONDS TEMPLATES\n"); return 2; }
  const char *src = argv[1], *dst = argv[2];
  double rate = atof(argv[3]);
  long count = atol(argv[4]);
  double max_seconds = atof(argv[5]);
  if (rate <= 0 || count <= 0 || max_seconds <= 0 || max_seconds > 600) { fprintf(stderr, "bad rate/count/seconds\n"); return 2; }

  FILE *f = fopen(argv[6], "r");
  if (!f) { perror("templates"); return 2; }
  static char line[2 * MAX_LEN + 4];
  int n = 0;
  while (n < MAX_TEMPLATES && fgets(line, sizeof line, f)) {
    int len = 0;
    for (char *p = line; hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && len < MAX_LEN; p += 2) templates[n][len++] = (unsigned char)(hexval(p[0]) * 16 + hexval(p[1]));
    if (len >= 12) lengths[n++] = len;
  }
  fclose(f);
  if (n == 0) { fprintf(stderr, "no templates\n"); return 2; }

  int family = strchr(dst, ':') ? AF_INET6 : AF_INET;
  int fd = socket(family, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); return 1; }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  struct sockaddr_storage ports[64];
  socklen_t addrlen;
  if (family == AF_INET) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
    if (inet_pton(AF_INET, src, &a.sin_addr) != 1) { fprintf(stderr, "bad src\n"); return 2; }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    for (int i = 0; i < 64; i++) {
      struct sockaddr_in *d = (struct sockaddr_in *)&ports[i];
      memset(d, 0, sizeof ports[i]);
      d->sin_family = AF_INET; d->sin_port = htons(40000 + i);
      if (inet_pton(AF_INET, dst, &d->sin_addr) != 1) { fprintf(stderr, "bad dst\n"); return 2; }
    }
    addrlen = sizeof(struct sockaddr_in);
  } else {
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    if (inet_pton(AF_INET6, src, &a.sin6_addr) != 1) { fprintf(stderr, "bad src\n"); return 2; }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    for (int i = 0; i < 64; i++) {
      struct sockaddr_in6 *d = (struct sockaddr_in6 *)&ports[i];
      memset(d, 0, sizeof ports[i]);
      d->sin6_family = AF_INET6; d->sin6_port = htons(40000 + i);
      if (inet_pton(AF_INET6, dst, &d->sin6_addr) != 1) { fprintf(stderr, "bad dst\n"); return 2; }
    }
    addrlen = sizeof(struct sockaddr_in6);
  }

  static unsigned char bufs[BATCH][MAX_LEN];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  long sent = 0;
  double start = now_s();
  while (sent < count) {
    double elapsed = now_s() - start;
    if (elapsed > max_seconds) break;
    long due = (long)(elapsed * rate) + 1;
    if (due > count) due = count;
    long todo = due - sent;
    if (todo <= 0) {
      struct timespec ts = { 0, 200000 }; /* 0.2 ms */
      nanosleep(&ts, NULL);
      continue;
    }
    if (todo > BATCH) todo = BATCH;
    for (int i = 0; i < todo; i++) {
      long k = sent + i;
      int t = (int)(k % n);
      memcpy(bufs[i], templates[t], lengths[t]);
      bufs[i][0] = (unsigned char)((k >> 8) & 0xff);
      bufs[i][1] = (unsigned char)(k & 0xff);
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = lengths[t];
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &ports[(k >> 16) & 63];
      msgs[i].msg_hdr.msg_namelen = addrlen;
    }
    int r = sendmmsg(fd, msgs, (unsigned)todo, 0);
    if (r < 0) {
      if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
      perror("sendmmsg");
      return 1;
    }
    sent += r;
  }
  double seconds = now_s() - start;
  printf("{\"sent\":%ld,\"seconds\":%.3f,\"rate\":%.0f}\n", sent, seconds, sent / seconds);
  return 0;
}
