/* SPDX-License-Identifier: MIT */
/*
 * wardgatectl's parts: wardgatectl.c has main, the arguments and what the
 * commands share (the configuration, the store opened read-only, the
 * control socket, the formats); each command is in a file of its own,
 * ctl_<command>.c.
 */
#ifndef WG_WARDGATECTL_H
#define WG_WARDGATECTL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "commit/store.h"
#include "common/csv.h"

/* Exit statuses, as wardgatectl(1) lists them. */
enum {
  EX_OK = 0,
  EX_USAGE = 1,   /* a bad command line */
  EX_SETUP = 2,   /* the configuration or the database cannot be read */
  EX_DAEMON = 3,  /* the daemon cannot be reached */
  EX_REFUSED = 4, /* the daemon refused (an ack), or nothing was found */
};

/* How long wardgatectl waits for the daemon by default, in seconds: the
 * connection, the request and its answer together. */
#define CTL_TIMEOUT_S 5.0

typedef struct ctl_s {
  const char *config;
  char *database;
  char *socket;
  char *gateway;
  wg_store_t *store; /* opened read-only when first needed */
  bool json, all, csv;
  const char *patient, *key, *by, *outcome, *note, *format, *day;
  const char *key_file, *ts; /* sign-ack */
  bool canonical;            /* sign-ack: print what is signed */
  double since_s;
  double timeout_s; /* -t: the wait for the daemon, in seconds */
} ctl_t;

/* "wardgatectl: " and the message on standard error, then exit(@status). */
__attribute__((format(printf, 2, 3), noreturn)) void
ctl_die(int status, const char *fmt, ...);

/* The HMAC key of --key-file into @key (WG_ACK_KEY_MAX + 2 bytes), less
 * one trailing newline, as the daemon reads ack_key_file; its length.
 * Exits (EX_SETUP) if it cannot be read or is empty or too long. */
size_t ctl_read_key(const ctl_t *c, unsigned char *key);

/* The database, opened read-only on first use; exits (EX_SETUP) if it
 * cannot be. Closed by main. */
wg_store_t *ctl_store(ctl_t *c);

/* Exit (EX_SETUP) for a read of the store that failed with @rc. */
__attribute__((noreturn)) void ctl_read_failed(const ctl_t *c, int rc);

/* Send @request on the control socket; the daemon's one-line answer,
 * malloc'd. Exits (EX_DAEMON, "daemon unreachable" and why) if the daemon
 * cannot be reached or has not answered within c->timeout_s. */
char *ctl_ask(const ctl_t *c, const char *request);

/* @t as local "YYYY-MM-DD HH:MM:SS", and @seconds as "2d 03h", "4h 05m"
 * or "6m 07s", written into @out, which is returned. */
const char *ctl_local_time(double t, char *out, size_t len);
const char *ctl_age(double seconds, char *out, size_t len);

/* A member of @o: the string ("" when missing), the number (0 when
 * missing), whether it is true. */
const char *ctl_json_str(const cJSON *o, const char *key);
double ctl_json_num(const cJSON *o, const char *key);
bool ctl_json_flag(const cJSON *o, const char *key);

/*
 * @s for a terminal, written into @out (@len bytes), which is returned:
 * UTF-8 text as it is, but C0 controls, DEL and bytes that are not UTF-8
 * as \xNN, C1 controls, the line separators and the bidirectional controls
 * as \uNNNN, and a backslash as \\, so that nothing from outside can move
 * the cursor, clear the screen or fake a line. Cut at a whole character,
 * with "...", when @out is too small; a NULL @s is "". Every text a command
 * prints from outside goes through it (not --json, which is JSON).
 */
const char *ctl_term(const char *s, char *out, size_t len);

/* The size of a buffer for ctl_term() that holds @n bytes uncut. */
#define CTL_TERM_SIZE(n) (4 * (n) + 1)

/* CSV: the one writer of common/csv.h, shared with the daily log. */

/* The commands: each prints its answer and returns the exit status. */
int ctl_cmd_status(ctl_t *c);
int ctl_cmd_alerts(ctl_t *c);
int ctl_cmd_ack(ctl_t *c, const char *id);
int ctl_cmd_readings(ctl_t *c, const char *patient);
int ctl_cmd_scores(ctl_t *c, const char *patient);
int ctl_cmd_export(ctl_t *c);
int ctl_cmd_log(ctl_t *c);
int ctl_cmd_sign_ack(ctl_t *c, const char *id);
/* ctl_config.c: config [history | diff A B], and sign-config FILE. */
int ctl_cmd_config(ctl_t *c, const char *const *args, size_t nargs);
int ctl_cmd_sign_config(ctl_t *c, const char *file);

#endif
