/* SPDX-License-Identifier: MIT */
/*
 * bench_sub: the pass-through limit. A bare libmosquitto subscriber that
 * only counts the messages of the ingest topic, QoS 1, in a persistent
 * session (like wardgated's). With --prime it only creates the session.
 * After each poll it calls mosquitto_loop_read() for as long as the kernel
 * holds data, as wardgated drains a burst, so that the limit is the
 * broker's and the library's, not a slower loop's; unlike wardgated it
 * acknowledges each message at once. Prints the times of the first and the
 * last message and its own CPU seconds.
 *   bench_sub PORT CLIENT_ID N [--prime]
 */
#include <mosquitto.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>

static long count, want;
static double first, last;
static bool subscribed;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_message(struct mosquitto *m, void *obj,
                       const struct mosquitto_message *msg) {
  (void)m;
  (void)obj;
  (void)msg;
  if (count++ == 0)
    first = now_s();
  last = now_s();
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n,
                         const int *qos) {
  (void)m;
  (void)obj;
  (void)mid;
  (void)n;
  (void)qos;
  subscribed = true;
}

static void on_connect(struct mosquitto *m, void *obj, int rc) {
  (void)obj;
  if (rc == 0)
    mosquitto_subscribe(m, NULL, "wardgate/dev/+/senml", 1);
}

int main(int argc, char **argv) {
  struct mosquitto *m;
  struct rusage ru;
  bool prime;
  double deadline;

  if (argc < 4) {
    fprintf(stderr, "usage: bench_sub PORT CLIENT_ID N [--prime]\n");
    return 2;
  }
  want = atol(argv[3]);
  prime = argc > 4 && strcmp(argv[4], "--prime") == 0;
  mosquitto_lib_init();
  m = mosquitto_new(argv[2], false, NULL);
  mosquitto_connect_callback_set(m, on_connect);
  mosquitto_message_callback_set(m, on_message);
  mosquitto_subscribe_callback_set(m, on_subscribe);
  if (mosquitto_connect(m, "127.0.0.1", atoi(argv[1]), 60) !=
      MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "bench_sub: cannot connect\n");
    return 1;
  }
  deadline = now_s() + 600;
  while ((prime ? !subscribed : count < want) && now_s() < deadline) {
    struct pollfd p = {mosquitto_socket(m), POLLIN, 0};
    int avail = 0;

    if (mosquitto_want_write(m))
      p.events |= POLLOUT;
    if (poll(&p, 1, 100) < 0)
      break;
    if ((p.revents & POLLOUT) && mosquitto_loop_write(m, 1) != 0)
      break;
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      do {
        if (mosquitto_loop_read(m, 1) != MOSQ_ERR_SUCCESS)
          goto done;
      } while (ioctl(p.fd, FIONREAD, &avail) == 0 && avail > 0);
    }
    mosquitto_loop_misc(m);
  }
done:
  getrusage(RUSAGE_SELF, &ru);
  printf("%ld %.6f %.6f %.6f\n", count, first, last,
         (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
  mosquitto_disconnect(m);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  return count >= want || prime ? 0 : 1;
}
