/* SPDX-License-Identifier: MIT */
/*
 * Ingest: the device map, packs and acks into the batch, and the waiting
 * packs matched to a new map after a reload.
 */
#include "failalloc.h"
#include "ingest/ingest.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define T0 1763900000.0

static const char two_patients[] = TESTCFG_HEAD
    "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\",\"fall-1\"]},"
    "{\"id\":\"p-2\",\"devices\":[\"cup-2\"]}]}";

static void device_from_topic(void) {
  static const struct {
    const char *filter, *topic, *device;
  } cases[] = {
      {"wardgate/dev/+/senml", "wardgate/dev/oxi-1/senml", "oxi-1"},
      {"wardgate/dev/+/senml", "wardgate/dev/a:b.c_d/senml", "a:b.c_d"},
      {"+/senml", "oxi-1/senml", "oxi-1"},
      {"home/+", "home/oxi-1", "oxi-1"},
      {"wardgate/dev/+/senml", "wardgate/dev//senml", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/oxi-1/senml/x", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/oxi-1", NULL},
      {"wardgate/dev/+/senml", "wardgate/dav/oxi-1/senml", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/ox i/senml", NULL},
      {"wardgate/dev/+/senml", "wardgate/dev/oxi$/senml", NULL},
      {"wardgate/dev/+/senml",
       "wardgate/dev/"
       "0123456789012345678901234567890123456789012345678901234567890123456789/"
       "senml",
       NULL},
  };
  char dev[65];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = wg_ingest_device_from_topic(cases[i].filter, cases[i].topic, dev,
                                         sizeof(dev));
    if (cases[i].device == NULL) {
      if (rc != WG_EINVAL)
        FAIL_AT("%s: accepted as %s", cases[i].topic, dev);
    } else {
      ASSERT_EQ(rc, 0);
      ASSERT_STR_EQ(dev, cases[i].device);
    }
  }
}

static int pack(wg_ingest_t *in, const char *device, const char *json,
                char *err) {
  return wg_ingest_pack(in, device, json, strlen(json), T0, err, 256);
}

/* The map finds each device's patient; packs and acks join the batch, a
 * bad pack leaves no trace, and a reset empties it. */
static void map_packs_and_acks(void) {
  wg_config_t *cfg = test_config(two_patients);
  const wg_device_t *d;
  wg_device_map_t map;
  wg_ingest_t in;
  const char **ids;
  wg_ack_t ack = {.id = "gw-1-000001", .by = "nurse", .ts = T0};
  char err[256];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  ASSERT_EQ(in.map.n, 3);
  ASSERT((d = wg_ingest_find(&in, "cup-2")) != NULL);
  ASSERT_STR_EQ(d->patient->id, "p-2");
  ASSERT_EQ(d->patient_index, 1);
  ASSERT_EQ(d->device_index, 0);
  ASSERT((d = wg_ingest_find(&in, "fall-1")) != NULL);
  ASSERT_EQ(d->patient_index, 0);
  ASSERT_EQ(d->device_index, 1);
  ASSERT(wg_ingest_find(&in, "nobody") == NULL);
  ASSERT((ids = wg_ingest_device_ids(&in)) != NULL);
  ASSERT_STR_EQ(ids[0], "cup-2");
  ASSERT_STR_EQ(ids[1], "fall-1");
  ASSERT_STR_EQ(ids[2], "oxi-1");
  free(ids);

  ASSERT_EQ(
      pack(&in, "oxi-1",
           "[{\"bn\":\"oxi-1:\",\"bt\":1763900000,\"n\":\"spo2\",\"v\":97},"
           "{\"n\":\"hr\",\"v\":70}]",
           err),
      0);
  ASSERT_EQ(pack(&in, "nobody", "[{\"n\":\"spo2\",\"v\":97}]", err), WG_ENODEV);
  ASSERT_STR_EQ(err, "unknown device");
  ASSERT_EQ(pack(&in, "cup-2", "[{\"n\":\"spo2\",\"v\":101}]", err), WG_EINVAL);
  ASSERT_EQ(pack(&in, "cup-2", "[{\"n\":\"fluid_intake\",\"v\":0.2}]", err), 0);
  ASSERT_EQ(in.batch.readings.n, 3);
  ASSERT_EQ(in.batch.npacks, 2);
  ASSERT_EQ(in.batch.packs[0].end, 2);
  ASSERT_STR_EQ(in.batch.packs[0].device->id, "oxi-1");
  ASSERT_EQ(in.batch.packs[1].end, 3);
  ASSERT_STR_EQ(in.batch.readings.v[1].device_id, "oxi-1");
  ASSERT_STR_EQ(in.batch.readings.v[1].patient_id, "p-1");
  ASSERT_STR_EQ(in.batch.readings.v[2].patient_id, "p-2");
  ASSERT_NEAR(in.batch.readings.v[2].received, T0, 1e-9);
  ASSERT_EQ(wg_ingest_ack(&in, &ack), 0);
  ASSERT_EQ(in.batch.nacks, 1);
  ASSERT_STR_EQ(in.batch.acks[0].by, "nurse");

  wg_ingest_reset(&in);
  ASSERT_EQ(in.batch.readings.n, 0);
  ASSERT_EQ(in.batch.npacks, 0);
  ASSERT_EQ(in.batch.nacks, 0);
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

/* unknown_devices "accept": stored without a patient, never scored. */
static void unknown_devices_accepted(void) {
  wg_config_t *cfg = test_config(
      TESTCFG_HEAD "\"unknown_devices\":\"accept\",\"patients\":[]}");
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  ASSERT_EQ(pack(&in, "stray-9", "[{\"n\":\"spo2\",\"v\":97}]", err), 0);
  ASSERT_EQ(in.batch.npacks, 1);
  ASSERT(in.batch.packs[0].device == NULL);
  ASSERT_STR_EQ(in.batch.readings.v[0].device_id, "stray-9");
  ASSERT(in.batch.readings.v[0].patient_id == NULL);
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

/* A reload while packs wait: they meet the new map (oxi-1 moves to a
 * patient at another index; cup-2 is dropped). */
static void waiting_packs_follow_a_new_map(void) {
  wg_config_t *a = test_config(two_patients);
  wg_config_t *b = test_config(
      TESTCFG_HEAD "\"patients\":[{\"id\":\"p-0\",\"devices\":[\"bp-0\"]},"
                   "{\"id\":\"p-1\",\"devices\":[\"fall-1\",\"oxi-1\"]}]}");
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256];

  ASSERT(a != NULL && b != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(a, &map), 0);
  wg_ingest_set_map(&in, &map);
  ASSERT_EQ(pack(&in, "cup-2", "[{\"n\":\"fluid_intake\",\"v\":0.2}]", err), 0);
  ASSERT_EQ(pack(&in, "oxi-1", "[{\"n\":\"spo2\",\"v\":97}]", err), 0);
  ASSERT_EQ(wg_ingest_build_map(b, &map), 0);
  wg_ingest_set_map(&in, &map);
  wg_config_free(a);
  ASSERT(map.v == NULL);
  ASSERT(in.batch.packs[0].device == NULL);
  ASSERT(in.batch.packs[1].device != NULL);
  ASSERT_STR_EQ(in.batch.packs[1].device->patient->id, "p-1");
  ASSERT_EQ(in.batch.packs[1].device->patient_index, 1);
  ASSERT_EQ(in.batch.packs[1].device->device_index, 1);
  ASSERT(!in.map.accept_unknown);
  wg_ingest_free(&in);
  wg_config_free(b);
}

/*
 * Out of memory at any allocation of a pack: refused whole with WG_ENOMEM
 * and the batch as it was, or taken whole as its own pack of its own
 * device (never joined to another device's pack, whose patient's rules
 * would then judge it).
 */
static void pack_out_of_memory(void) {
  static const char oxi[] =
      "[{\"n\":\"spo2\",\"v\":97},{\"n\":\"hr\",\"v\":70}]";
  wg_config_t *cfg = test_config(two_patients);
  wg_device_map_t map;
  char err[256];

  ASSERT(cfg != NULL);
  for (int first = 0; first < 2; first++) {
    for (long n = 0;; n++) {
      wg_ingest_t in;
      size_t before;
      int rc;

      ASSERT(n < 100);
      wg_ingest_init(&in);
      ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
      wg_ingest_set_map(&in, &map);
      /* Either the first pack of the batch, or one after another
       * device's pack. */
      if (first == 1)
        ASSERT_EQ(
            pack(&in, "cup-2", "[{\"n\":\"fluid_intake\",\"v\":0.2}]", err), 0);
      before = in.batch.npacks;
      fail_after = n;
      rc = pack(&in, "oxi-1", oxi, err);
      fail_after = -1;
      if (rc != 0) {
        ASSERT_EQ(rc, WG_ENOMEM);
        ASSERT_EQ(in.batch.npacks, before);
        ASSERT_EQ(in.batch.readings.n, before);
        wg_ingest_free(&in);
        continue;
      }
      ASSERT_EQ(in.batch.npacks, before + 1);
      ASSERT_EQ(in.batch.packs[before].end, in.batch.readings.n);
      ASSERT_STR_EQ(in.batch.packs[before].device->id, "oxi-1");
      wg_ingest_free(&in);
      break;
    }
  }
  wg_config_free(cfg);
}

static int pack_via(wg_ingest_t *in, const char *transport, const char *device,
                    const char *json, char *err) {
  return wg_ingest_pack_via(in, transport, device, json, strlen(json), T0, err,
                            256);
}

/* DESIGN.md section 4 (2026-12-06): a device object says which keys the
 * device may report and over which transports; a plain id may do anything.
 * A cup cannot report a saturation or a fall, and a pack that tries is
 * refused whole. */
static void device_keys_and_transports(void) {
  static const char json[] =
      "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":"
      "{\"mqtt\":{},\"coap\":{}},\"uplink\":{\"mqtt\":{}},"
      "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\","
      "{\"id\":\"cup-1\",\"keys\":[\"fluid_intake\",\"battery\"],"
      "\"via\":[\"coap\"]},{\"id\":\"fall-1\",\"via\":[\"mqtt\"]},"
      "{\"id\":\"bp-1\",\"keys\":[\"sbp\",\"dbp\",\"hr\"]}]}]}";
  static const char *const cup_refused[] = {
      "[{\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]",
      "[{\"n\":\"fall\",\"vb\":true}]",
      "[{\"n\":\"fluid_intake\",\"u\":\"l\",\"v\":0.2},"
      "{\"n\":\"fall\",\"vb\":true}]",
      "[{\"bn\":\"urn:dev:cup-1:\",\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]",
      "[{\"n\":\"weight\",\"u\":\"kg\",\"v\":70}]",
  };
  static const char fall[] = "[{\"n\":\"fall\",\"vb\":true}]";
  static const char spo2[] = "[{\"n\":\"spo2\",\"u\":\"%\",\"v\":97}]";
  wg_config_t *cfg = test_config(json);
  const wg_device_t *d;
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  ASSERT((d = wg_ingest_find(&in, "cup-1")) != NULL);
  ASSERT_EQ(d->conf->nkeys, 2);
  ASSERT_EQ(d->conf->nvia, 1);
  ASSERT((d = wg_ingest_find(&in, "oxi-1")) != NULL);
  ASSERT(d->conf->keys == NULL && d->conf->via == NULL);

  for (size_t i = 0; i < sizeof(cup_refused) / sizeof(cup_refused[0]); i++) {
    ASSERT_EQ(pack_via(&in, "coap", "cup-1", cup_refused[i], err), WG_EINVAL);
    ASSERT_CONTAINS(err, "device cup-1 may not report ");
    ASSERT_EQ(in.batch.npacks, 0);
    ASSERT_EQ(in.batch.readings.n, 0);
  }
  ASSERT_STR_EQ(err, "device cup-1 may not report weight");
  /* Without the transport (a caller that does not ask), keys still hold. */
  ASSERT_EQ(pack(&in, "cup-1", fall, err), WG_EINVAL);
  /* What a cup measures goes in, over its transport, */
  ASSERT_EQ(pack_via(&in, "coap", "cup-1",
                     "[{\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":200},"
                     "{\"n\":\"battery\",\"u\":\"%\",\"v\":80}]",
                     err),
            0);
  ASSERT_EQ(in.batch.readings.n, 2);
  /* and not over another. */
  ASSERT_EQ(pack_via(&in, "mqtt", "cup-1",
                     "[{\"n\":\"battery\",\"u\":\"%\",\"v\":80}]", err),
            WG_EAUTH);
  ASSERT_STR_EQ(err, "device cup-1 may not send over mqtt");
  ASSERT_EQ(pack_via(&in, "coap", "fall-1", fall, err), WG_EAUTH);
  ASSERT_EQ(pack_via(&in, "mqtt", "fall-1", fall, err), 0);
  /* Keys without "via": any transport; a plain id: anything. */
  ASSERT_EQ(pack_via(&in, "coap", "bp-1",
                     "[{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":70}]", err),
            0);
  ASSERT_EQ(pack_via(&in, "mqtt", "bp-1", spo2, err), WG_EINVAL);
  ASSERT_EQ(pack_via(&in, "coap", "oxi-1", fall, err), 0);
  ASSERT_EQ(pack_via(&in, "mqtt", "oxi-1", spo2, err), 0);
  ASSERT_EQ(in.batch.npacks, 5);
  ASSERT_EQ(in.batch.readings.n, 6);
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

/*
 * DESIGN.md section 5 (2026-12-06): a time before 2020-01-01 is a device
 * clock reset, refused with that reason, whether it came absolute or as a
 * relative time far in the past (1978, 2000, -1e15); the future tolerance
 * stays 5 minutes.
 */
static void time_before_2020_refused(void) {
  wg_config_t *cfg = test_config(
      TESTCFG_HEAD "\"retention_days\":36500,"
                   "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"fall-1\"]}]}");
  static const struct {
    const char *json;
    const char *reason; /* NULL: taken */
  } cases[] = {
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":1577836800}]", NULL},
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":1577836799.5}]",
       "before 2020-01-01"},
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":268435456}]", "before 2020-01-01"},
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":946684800}]", "before 2020-01-01"},
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":-1e15}]", "before 2020-01-01"},
      {"[{\"bt\":-1e15,\"n\":\"fall\",\"vb\":true}]", "before 2020-01-01"},
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":300}]", NULL},
      {"[{\"n\":\"fall\",\"vb\":true,\"t\":300.5}]", "future"},
  };
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t before = in.batch.readings.n;
    int rc;

    err[0] = '\0';
    rc = pack(&in, "fall-1", cases[i].json, err);
    if (cases[i].reason == NULL
            ? rc != 0
            : rc != WG_EINVAL || strstr(err, cases[i].reason) == NULL)
      FAIL_AT("%s: rc %d, \"%s\", want %s", cases[i].json, rc, err,
              cases[i].reason ? cases[i].reason : "taken");
    /* Refused, the pack leaves only its fall (DESIGN.md section 5,
     * 2026-12-06: a fall in a refused pack is never lost), dated by its
     * receipt since its own time is what was refused. */
    if (rc != 0) {
      ASSERT_EQ(in.batch.readings.n, before + 1);
      ASSERT_NEAR(in.batch.readings.v[before].ts, T0, 1e-9);
      ASSERT(in.batch.packs[in.batch.npacks - 1].refused != NULL);
    }
  }
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

/*
 * DESIGN.md section 5 (2026-12-06): a reading older than retention_days is
 * refused with that reason, whole pack and all, instead of being
 * acknowledged to the device and then deleted by retention; a reading just
 * inside the retention is taken.
 */
static void older_than_retention_refused(void) {
  wg_config_t *cfg = test_config(
      TESTCFG_HEAD "\"retention_days\":2,"
                   "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"oxi-1\"]}]}");
  static const struct {
    double age_s; /* of the reading's time at T0 */
    int rc;
  } cases[] = {
      {0, 0},
      {2 * 86400.0 - 1, 0},
      {2 * 86400.0, 0},
      {2 * 86400.0 + 1, WG_EINVAL},
      {30 * 86400.0, WG_EINVAL},
  };
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256], json[128];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t before = in.batch.readings.n;
    int rc;

    snprintf(json, sizeof(json),
             "[{\"n\":\"spo2\",\"v\":97},{\"n\":\"hr\",\"v\":70,\"t\":%.0f}]",
             T0 - cases[i].age_s);
    err[0] = '\0';
    rc = pack(&in, "oxi-1", json, err);
    if (rc != cases[i].rc)
      FAIL_AT("age %g s: rc %d (%s), want %d", cases[i].age_s, rc, err,
              cases[i].rc);
    if (rc != 0) {
      ASSERT_CONTAINS(err, "older than the retention of 2 days");
      ASSERT_EQ(in.batch.readings.n, before); /* nothing of the pack */
    }
  }
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

/*
 * DESIGN.md section 5 (2026-12-06): a fall (vb true) inside a refused pack
 * of a known device is never lost. The pack is refused whole, with its
 * reason, and none of its other records is taken; its falls are kept in a
 * pack of their own, marked refused with that reason, at their own time, or
 * at their receipt when their time is what was refused. Nothing is kept
 * for an unknown device, a transport the device may not use, a device that
 * may not report falls, a fall that is false, or a pack that is not SenML.
 */
static void refused_pack_keeps_its_fall(void) {
  wg_config_t *cfg = test_config(
      "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\",\"ingest\":"
      "{\"mqtt\":{},\"coap\":{}},\"uplink\":{\"mqtt\":{}},"
      "\"retention_days\":2,"
      "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"fall-1\","
      "{\"id\":\"fall-2\",\"via\":[\"coap\"]},"
      "{\"id\":\"oxi-1\",\"keys\":[\"spo2\"]},"
      "{\"id\":\"fall-3\",\"keys\":[\"fall\"]}]}]}");
  static const struct {
    const char *device, *via, *json;
    const char *reason; /* in err */
    int rc;
    size_t kept;   /* falls kept from the refused pack */
    double fall_t; /* the time a kept fall counts at */
  } cases[] = {
      /* A battery of 101 %: refused, the fall kept at its time. */
      {"fall-1", NULL,
       "[{\"bt\":1763899990,\"n\":\"fall\",\"vb\":true},"
       "{\"n\":\"battery\",\"v\":101}]",
       "battery 101", WG_EINVAL, 1, 1763899990.0},
      /* The battery before the fall: the parse stopped before it. */
      {"fall-1", NULL,
       "[{\"n\":\"battery\",\"v\":101,\"t\":-5},"
       "{\"n\":\"fall\",\"vb\":true,\"t\":-5}]",
       "battery 101", WG_EINVAL, 1, T0 - 5},
      /* Another record six minutes ahead; the fall itself on time. */
      {"fall-1", NULL,
       "[{\"n\":\"fall\",\"vb\":true,\"t\":-1},"
       "{\"n\":\"battery\",\"v\":50,\"t\":360}]",
       "future", WG_EINVAL, 1, T0 - 1},
      /* A clock six minutes fast: the fall counts at its receipt. */
      {"fall-1", NULL, "[{\"n\":\"fall\",\"vb\":true,\"t\":360}]", "future",
       WG_EINVAL, 1, T0},
      {"fall-1", NULL, "[{\"n\":\"fall\",\"vb\":true,\"t\":300.5}]", "future",
       WG_EINVAL, 1, T0},
      /* A clock reset, and a time older than the retention. */
      {"fall-1", NULL, "[{\"n\":\"fall\",\"vb\":true,\"t\":946684800}]",
       "before 2020-01-01", WG_EINVAL, 1, T0},
      {"fall-1", NULL,
       "[{\"n\":\"fall\",\"vb\":true,\"t\":-1},"
       "{\"n\":\"battery\",\"v\":50,\"t\":1763000000}]",
       "older than the retention", WG_EINVAL, 1, T0 - 1},
      /* Two falls and a bad record: both falls, nothing else. */
      {"fall-1", NULL,
       "[{\"n\":\"fall\",\"vb\":true,\"t\":-20},{\"n\":\"spo2\",\"v\":97},"
       "{\"n\":\"hr\",\"v\":301},{\"n\":\"fall\",\"vb\":true,\"t\":-10}]",
       "hr 301", WG_EINVAL, 2, T0 - 20},
      /* Key not allowed (oxi-1 may report only spo2; fall-3 only falls). */
      {"oxi-1", NULL, "[{\"n\":\"fall\",\"vb\":true,\"t\":-1}]",
       "may not report fall", WG_EINVAL, 0, 0},
      {"fall-3", NULL,
       "[{\"n\":\"fall\",\"vb\":true,\"t\":-1},{\"n\":\"spo2\",\"v\":97}]",
       "may not report spo2", WG_EINVAL, 1, T0 - 1},
      /* Nothing to keep. */
      {"fall-1", NULL,
       "[{\"n\":\"fall\",\"vb\":false},{\"n\":\"battery\",\"v\":101}]",
       "battery 101", WG_EINVAL, 0, 0},
      {"fall-1", NULL, "[{\"n\":\"fall\",\"vb\":true}", "", WG_EINVAL, 0, 0},
      {"fall-2", "mqtt", "[{\"n\":\"fall\",\"vb\":true},{\"n\":\"x\"}]",
       "may not send over mqtt", WG_EAUTH, 0, 0},
      {"nobody", NULL,
       "[{\"n\":\"fall\",\"vb\":true},{\"n\":\"battery\",\"v\":101}]",
       "unknown device", WG_ENODEV, 0, 0},
  };
  wg_device_map_t map;
  wg_ingest_t in;
  char err[256];

  ASSERT(cfg != NULL);
  wg_ingest_init(&in);
  ASSERT_EQ(wg_ingest_build_map(cfg, &map), 0);
  wg_ingest_set_map(&in, &map);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t before = in.batch.readings.n, packs = in.batch.npacks;
    const wg_pack_t *pk;
    int rc;

    err[0] = '\0';
    rc = wg_ingest_pack_via(&in, cases[i].via, cases[i].device, cases[i].json,
                            strlen(cases[i].json), T0, err, sizeof(err));
    if (rc != cases[i].rc || strstr(err, cases[i].reason) == NULL)
      FAIL_AT("case %zu: rc %d \"%s\", want %d \"%s\"", i, rc, err, cases[i].rc,
              cases[i].reason);
    if (in.batch.readings.n - before != cases[i].kept)
      FAIL_AT("case %zu: %zu readings kept, want %zu", i,
              in.batch.readings.n - before, cases[i].kept);
    if (cases[i].kept == 0) {
      ASSERT_EQ(in.batch.npacks, packs);
      continue;
    }
    ASSERT_EQ(in.batch.npacks, packs + 1);
    pk = &in.batch.packs[packs];
    ASSERT(pk->device != NULL);
    ASSERT(pk->refused != NULL);
    ASSERT_STR_EQ(pk->refused, err);
    for (size_t k = before; k < in.batch.readings.n; k++) {
      const wg_reading_t *r = &in.batch.readings.v[k];
      ASSERT_STR_EQ(r->name, "fall");
      ASSERT(r->vb);
      ASSERT_STR_EQ(r->device_id, cases[i].device);
      ASSERT_STR_EQ(r->patient_id, "p-1");
      ASSERT_NEAR(r->received, T0, 1e-9);
    }
    if (in.batch.readings.v[before].ts != cases[i].fall_t)
      FAIL_AT("case %zu: fall at %.1f, want %.1f", i,
              in.batch.readings.v[before].ts, cases[i].fall_t);
  }
  wg_ingest_free(&in);
  wg_config_free(cfg);
}

TEST_MAIN(T(device_from_topic), T(map_packs_and_acks), T(pack_out_of_memory),
          T(unknown_devices_accepted), T(waiting_packs_follow_a_new_map),
          T(device_keys_and_transports), T(older_than_retention_refused),
          T(time_before_2020_refused), T(refused_pack_keeps_its_fall))
