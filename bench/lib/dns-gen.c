/*
 * DNS response generator for bench/dns.bench.ts: sends prebuilt DNS responses from port 53 at a
 * fixed rate, bounded in count and time, over UDP with sendmmsg in batches of up to 64, and
 * optionally a share of them over TCP (length-prefixed, on connections a sink opened to port 53).
 * Response k uses template k % T, DNS id k & 0xffff and destination port 40000 + ((k >> 16) & 63),
 * so no two packets of one second look like the same response crossing a second interface; its
 * client address is DST + ((k / T) % N), so every client sees every name in turn.
 *
 * usage: dns-gen SRC_IP DST_IP[+N] RATE COUNT MAX_SECONDS TEMPLATES_FILE [TCP_EVERY TCP_CONNS]
 *          TEMPLATES_FILE: one hex-encoded DNS message per line (at most 4096 lines, 1500 bytes).
 *          N: client addresses counted up from DST_IP (IPv4 only; default 1).
 *          TCP_EVERY > 0: response k goes over TCP when k % TCP_EVERY == 0, to connection
 *          (k / TCP_EVERY) % TCP_CONNS. The generator listens on SRC_IP:53, prints "listening" on
 *          stderr, waits (10 s at most) for TCP_CONNS connections, then sends; it closes them at the end.
 *        dns-gen --sink SERVER_IP CONNS MAX_SECONDS
 *          opens CONNS connections to SERVER_IP:53 and reads until the server closes them.
 * Prints one JSON line: {"sent":N,"udp":U,"tcp":T,"seconds":S,"rate":R} (sink: {"read":BYTES}).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEMPLATES 4096
#define MAX_LEN 1500
#define BATCH 64
#define MAX_CONNS 64

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

static int sink(const char *server, int conns, double max_seconds) {
  int fds[MAX_CONNS];
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
  if (inet_pton(AF_INET, server, &a.sin_addr) != 1) { fprintf(stderr, "bad server\n"); return 2; }
  double start = now_s();
  for (int i = 0; i < conns; i++) {
    for (;;) {
      fds[i] = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fds[i], (struct sockaddr *)&a, sizeof a) == 0) break;
      close(fds[i]);
      if (now_s() - start > 10) { perror("connect"); return 1; }
      struct timespec ts = { 0, 20000000 };
      nanosleep(&ts, NULL);
    }
  }
  static char buf[1 << 16];
  long total = 0;
  int open = conns;
  struct pollfd pfds[MAX_CONNS];
  for (int i = 0; i < conns; i++) { pfds[i].fd = fds[i]; pfds[i].events = POLLIN; }
  while (open > 0 && now_s() - start < max_seconds) {
    if (poll(pfds, conns, 200) <= 0) continue;
    for (int i = 0; i < conns; i++) {
      if (pfds[i].fd < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(pfds[i].fd, buf, sizeof buf);
      if (r > 0) { total += r; continue; }
      close(pfds[i].fd);
      pfds[i].fd = -1;
      open--;
    }
  }
  printf("{\"read\":%ld}\n", total);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "--sink") == 0) {
    int conns = atoi(argv[3]);
    if (conns <= 0 || conns > MAX_CONNS) { fprintf(stderr, "bad conns\n"); return 2; }
    return sink(argv[2], conns, atof(argv[4]));
  }
  if (argc != 7 && argc != 9) { fprintf(stderr, "usage: dns-gen SRC DST[+N] RATE COUNT MAX_SECONDS TEMPLATES [TCP_EVERY TCP_CONNS]\n"); return 2; }
  const char *src = argv[1];
  char dst[INET6_ADDRSTRLEN + 8];
  snprintf(dst, sizeof dst, "%s", argv[2]);
  int ndst = 1;
  char *plus = strchr(dst, '+');
  if (plus) { *plus = 0; ndst = atoi(plus + 1); }
  double rate = atof(argv[3]);
  long count = atol(argv[4]);
  double max_seconds = atof(argv[5]);
  int tcp_every = argc == 9 ? atoi(argv[7]) : 0;
  int tcp_conns = argc == 9 ? atoi(argv[8]) : 0;
  if (rate <= 0 || count <= 0 || max_seconds <= 0 || max_seconds > 600) { fprintf(stderr, "bad rate/count/seconds\n"); return 2; }
  if (ndst < 1 || ndst > 256 || tcp_every < 0 || (tcp_every > 0 && (tcp_conns < 1 || tcp_conns > MAX_CONNS))) { fprintf(stderr, "bad clients/tcp\n"); return 2; }

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
  if (family == AF_INET6 && (ndst != 1 || tcp_every > 0)) { fprintf(stderr, "IPv6: one client, UDP only\n"); return 2; }
  int fd = socket(family, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); return 1; }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  /* Destinations: client c, port p at dests[c * 64 + p]. */
  static struct sockaddr_storage dests[256 * 64];
  socklen_t addrlen;
  if (family == AF_INET) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
    if (inet_pton(AF_INET, src, &a.sin_addr) != 1) { fprintf(stderr, "bad src\n"); return 2; }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    struct in_addr base;
    if (inet_pton(AF_INET, dst, &base) != 1) { fprintf(stderr, "bad dst\n"); return 2; }
    for (int c = 0; c < ndst; c++) {
      for (int i = 0; i < 64; i++) {
        struct sockaddr_in *d = (struct sockaddr_in *)&dests[c * 64 + i];
        memset(d, 0, sizeof *d);
        d->sin_family = AF_INET; d->sin_port = htons(40000 + i);
        d->sin_addr.s_addr = htonl(ntohl(base.s_addr) + c);
      }
    }
    addrlen = sizeof(struct sockaddr_in);
  } else {
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    if (inet_pton(AF_INET6, src, &a.sin6_addr) != 1) { fprintf(stderr, "bad src\n"); return 2; }
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    for (int i = 0; i < 64; i++) {
      struct sockaddr_in6 *d = (struct sockaddr_in6 *)&dests[i];
      memset(d, 0, sizeof *d);
      d->sin6_family = AF_INET6; d->sin6_port = htons(40000 + i);
      if (inet_pton(AF_INET6, dst, &d->sin6_addr) != 1) { fprintf(stderr, "bad dst\n"); return 2; }
    }
    addrlen = sizeof(struct sockaddr_in6);
  }

  int conns[MAX_CONNS];
  if (tcp_every > 0) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, MAX_CONNS) < 0) { perror("tcp listen"); return 1; }
    fprintf(stderr, "listening\n");
    fflush(stderr);
    double t0 = now_s();
    for (int i = 0; i < tcp_conns; i++) {
      struct pollfd p = { .fd = lfd, .events = POLLIN };
      int left = (int)((10 - (now_s() - t0)) * 1000);
      if (left <= 0 || poll(&p, 1, left) <= 0) { fprintf(stderr, "no sink connected\n"); return 1; }
      conns[i] = accept(lfd, NULL, NULL);
      if (conns[i] < 0) { perror("accept"); return 1; }
      setsockopt(conns[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    close(lfd);
  }

  static unsigned char bufs[BATCH][MAX_LEN];
  static unsigned char framed[MAX_LEN + 2];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  long sent = 0, udp = 0, tcp = 0;
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
    int m = 0;
    long k = sent;
    for (; k < sent + todo; k++) {
      int t = (int)(k % n);
      if (tcp_every > 0 && k % tcp_every == 0) {
        /* Over TCP: flush the datagrams before it first, so responses leave in order. */
        if (m > 0) break;
        framed[0] = (unsigned char)(lengths[t] >> 8);
        framed[1] = (unsigned char)(lengths[t] & 0xff);
        memcpy(framed + 2, templates[t], lengths[t]);
        framed[2] = (unsigned char)((k >> 8) & 0xff);
        framed[3] = (unsigned char)(k & 0xff);
        int c = conns[(k / tcp_every) % tcp_conns];
        if (send(c, framed, lengths[t] + 2, MSG_NOSIGNAL) != lengths[t] + 2) { perror("tcp send"); return 1; }
        tcp++;
        k++;
        break;
      }
      memcpy(bufs[m], templates[t], lengths[t]);
      bufs[m][0] = (unsigned char)((k >> 8) & 0xff);
      bufs[m][1] = (unsigned char)(k & 0xff);
      iov[m].iov_base = bufs[m];
      iov[m].iov_len = lengths[t];
      memset(&msgs[m], 0, sizeof msgs[m]);
      msgs[m].msg_hdr.msg_iov = &iov[m];
      msgs[m].msg_hdr.msg_iovlen = 1;
      msgs[m].msg_hdr.msg_name = &dests[((k / n) % ndst) * 64 + ((k >> 16) & 63)];
      msgs[m].msg_hdr.msg_namelen = addrlen;
      m++;
    }
    if (m == 0) { sent = k; continue; }
    int r = sendmmsg(fd, msgs, (unsigned)m, 0);
    if (r < 0) {
      if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
      perror("sendmmsg");
      return 1;
    }
    sent += r;
    udp += r;
  }
  for (int i = 0; i < (tcp_every > 0 ? tcp_conns : 0); i++) { shutdown(conns[i], SHUT_WR); }
  double seconds = now_s() - start;
  for (int i = 0; i < (tcp_every > 0 ? tcp_conns : 0); i++) close(conns[i]);
  printf("{\"sent\":%ld,\"udp\":%ld,\"tcp\":%ld,\"seconds\":%.3f,\"rate\":%.0f}\n", sent, udp, tcp, seconds, sent / seconds);
  return 0;
}
