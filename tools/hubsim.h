/* SPDX-License-Identifier: MIT */
/* wardgate-sim --gateways N: the load of N homes on the hub's broker. */
#ifndef WG_HUBSIM_H
#define WG_HUBSIM_H

typedef struct hubsim_s {
  const char *host;
  int port;
  int gateways;
  double duration_s;
  double status_interval_s; /* a retained status each */
  double alerts_per_hour;   /* alert events per gateway (a Poisson stream) */
  double news2_per_hour;    /* news2 messages per gateway */
  int broker_pid;           /* its memory is reported; 0: not */
} hubsim_t;

/* Runs the load for o->duration_s and prints what it measured; 0, or 1
 * when a client could not connect. */
int wg_hubsim_run(const hubsim_t *o);

#endif
