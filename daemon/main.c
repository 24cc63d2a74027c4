/* SPDX-License-Identifier: MIT */
/*
 * wardgated: arguments, signals, systemd notification. Everything else is
 * the core's.
 */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <uv.h>

#include "core/config.h"
#include "core/core.h"
#include "version.h"
#include "wardgate/error.h"
#include "wardgate/log.h"

typedef struct daemon_s {
  uv_loop_t loop;
  uv_signal_t sigterm, sigint, sighup;
  bool stopping;
  uv_timer_t watchdog;
  bool watchdog_on;
  wg_core_t *core;
  const char *config_path;
  int status;
} daemon_t;

static void usage(FILE *f) {
  fprintf(f, "Usage: wardgated -c FILE [--log-level debug|info|warning|error]\n"
             "       wardgated --check-config -c FILE\n"
             "       wardgated --version\n"
             "\n"
             "  -c, --config FILE    the configuration file\n"
             "      --check-config   validate the configuration and exit\n"
             "      --log-level L    debug, info (default), warning or error\n"
             "  -V, --version        print the version and exit\n"
             "  -h, --help           this text\n");
}

static void print_problem(void *ud, const char *line) {
  (void)ud;
  fprintf(stderr, "%s\n", line);
}

static void log_problem(void *ud, const char *line) {
  (void)ud;
  wg_log(LOG_ERR, "config: %s", line);
}

static void close_walk_cb(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void core_stopped(wg_core_t *core, int status) {
  daemon_t *d = uv_loop_get_data(wg_core_loop(core));

  d->status = status;
  /* Only our own handles are left. */
  uv_walk(&d->loop, close_walk_cb, NULL);
  /* Closing the watchers gave the signals back their default action: a
   * signal from now until exit is ignored instead, not fatal. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
}

static void signal_cb(uv_signal_t *s, int signum) {
  daemon_t *d = s->data;

  if (signum == SIGHUP) {
    if (d->stopping)
      return; /* nothing to reload into */
    wg_config_t *cfg;
    wg_log(LOG_INFO, "main: SIGHUP: reloading %s", d->config_path);
    sd_notify(0, "RELOADING=1");
    if (wg_config_load(d->config_path, &cfg, log_problem, NULL) == 0)
      wg_core_reload(d->core, cfg);
    else
      wg_log(LOG_ERR,
             "main: %s has errors; keeping the running "
             "configuration",
             d->config_path);
    sd_notify(0, "READY=1");
    return;
  }
  /* The handlers stay: a second SIGTERM or SIGINT (a Ctrl-C that reaches
   * a script and the daemon both) must not kill a stop half done. */
  if (d->stopping) {
    wg_log(LOG_INFO, "main: %s: already stopping", strsignal(signum));
    return;
  }
  d->stopping = true;
  wg_log(LOG_INFO, "main: %s: stopping", strsignal(signum));
  sd_notify(0, "STOPPING=1");
  uv_timer_stop(&d->watchdog);
  wg_core_stop(d->core, core_stopped);
}

static void watchdog_cb(uv_timer_t *t) {
  (void)t;
  /* From the loop itself: a stuck loop stops the pings and systemd acts. */
  sd_notify(0, "WATCHDOG=1");
}

static int main_run(daemon_t *d, wg_config_t *cfg) {
  uint64_t usec = 0;
  int rc;

  if ((rc = uv_loop_init(&d->loop)) != 0) {
    wg_log(LOG_ERR, "main: uv_loop_init: %s", uv_strerror(rc));
    wg_config_free(cfg);
    return 2;
  }
  uv_loop_set_data(&d->loop, d);
  if ((rc = wg_core_new(&d->core, &d->loop, cfg)) != 0) {
    wg_log(LOG_ERR, "main: cannot start: %s", wg_strerror(rc));
    uv_loop_close(&d->loop);
    return 2;
  }
  uv_signal_init(&d->loop, &d->sigterm);
  uv_signal_init(&d->loop, &d->sigint);
  uv_signal_init(&d->loop, &d->sighup);
  uv_timer_init(&d->loop, &d->watchdog);
  d->sigterm.data = d->sigint.data = d->sighup.data = d;
  uv_signal_start(&d->sigterm, signal_cb, SIGTERM);
  uv_signal_start(&d->sigint, signal_cb, SIGINT);
  uv_signal_start(&d->sighup, signal_cb, SIGHUP);
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    uv_timer_start(&d->watchdog, watchdog_cb, usec / 2000, usec / 2000);

  if ((rc = wg_core_start(d->core)) != 0) {
    wg_log(LOG_ERR, "main: cannot start: %s", wg_strerror(rc));
    d->status = 2;
    wg_core_stop(d->core, core_stopped);
  } else {
    sd_notifyf(0, "READY=1\nSTATUS=wardgated %s running", WG_VERSION);
  }
  uv_run(&d->loop, UV_RUN_DEFAULT);
  if (d->status == 0 && rc != 0)
    d->status = 2;
  rc = d->status;
  wg_core_free(d->core);
  if (uv_loop_close(&d->loop) != 0)
    wg_log(LOG_WARNING, "main: handles left open at exit");
  wg_log(LOG_INFO, "main: stopped");
  return rc;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"config", required_argument, NULL, 'c'},
      {"check-config", no_argument, NULL, 'k'},
      {"log-level", required_argument, NULL, 'l'},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  static daemon_t d;
  bool check = false;
  wg_config_t *cfg;
  int ch, level;

#ifdef __GLIBC__
  /* A burst's large arrays (its events, each holding a whole alert) are
   * mapped and unmapped by themselves: glibc would otherwise raise this
   * threshold to the largest block freed and place the next ones in the
   * heap, among the alerts that stay, where what they leave when freed
   * cannot always be given back (the ward stream's footprint went from
   * 15.9-19.2 MB, run to run, to 16.1-16.2). */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  while ((ch = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
    switch (ch) {
    case 'c':
      d.config_path = optarg;
      break;
    case 'k':
      check = true;
      break;
    case 'l':
      if ((level = wg_log_level_parse(optarg)) < 0) {
        fprintf(stderr, "wardgated: --log-level must be debug, info, "
                        "warning or error\n");
        return 1;
      }
      wg_log_set_level(level);
      break;
    case 'V':
      printf("wardgated %s\n", WG_VERSION);
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 1;
    }
  }
  if (optind < argc || d.config_path == NULL) {
    usage(stderr);
    return 1;
  }
  if (wg_config_load(d.config_path, &cfg, check ? print_problem : log_problem,
                     NULL) != 0)
    return 1;
  if (check) {
    wg_config_free(cfg);
    printf("%s: OK\n", d.config_path);
    return 0;
  }
  /* A hub or device that goes away must not kill us through SIGPIPE, nor a
   * file size limit through SIGXFSZ: the write fails instead, and a failed
   * commit is retried like a full disk. */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  return main_run(&d, cfg);
}
