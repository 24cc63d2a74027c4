/* SPDX-License-Identifier: MIT */
/*
 * The configuration's inputs and secrets: password, PSK and ack key files
 * and their modes, CoAP's bind and administrators, device objects and
 * their uniqueness, the uplink's TLS rule and protocol.
 */
#include "config_fixture.h"

static void password_file_read(void) {
  char text[512], pw[64];
  FILE *f;

  snprintf(pw, sizeof(pw), "/tmp/wg-test-pw-%d", (int)getpid());
  f = fopen(pw, "w");
  fputs("s3cret\n", f);
  fclose(f);
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},\"uplink\":{"
           "\"mqtt\":{\"username\":\"gw\",\"password_file\":\"%s\"}},"
           "\"patients\":[]}",
           pw);
  ASSERT_EQ(load_text(text), 0);
  ASSERT_STR_EQ(uplink_mqtt()->password, "s3cret");
  /* A password file needs a user name to go with it. */
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},\"uplink\":{"
           "\"mqtt\":{\"password_file\":\"%s\"}},\"patients\":[]}",
           pw);
  ASSERT_EQ(load_text(text), WG_EINVAL);
  ASSERT_CONTAINS(problems, "needs a username");
  unlink(pw);
}

/* uplink.ack_key_file: the file's bytes less one trailing newline; a
 * missing or short key is a problem; no key by default. */
static void ack_key_file_read(void) {
  char text[512], key[64];
  FILE *f;

  ASSERT_EQ(load_with("", ""), 0);
  ASSERT(cfg->ack_key == NULL && cfg->ack_key_len == 0);
  snprintf(key, sizeof(key), "/tmp/wg-test-ackkey-%d", (int)getpid());
  f = fopen(key, "w");
  fputs("0123456789abcdef0123456789abcdef\n", f);
  fclose(f);
  chmod(key, 0600);
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},\"uplink\":{"
           "\"mqtt\":{},\"ack_key_file\":\"%s\"},\"patients\":[]}",
           key);
  ASSERT_EQ(load_text(text), 0);
  ASSERT_EQ(cfg->ack_key_len, 32);
  ASSERT(memcmp(cfg->ack_key, "0123456789abcdef0123456789abcdef", 32) == 0);
  f = fopen(key, "w");
  fputs("short\n", f);
  fclose(f);
  ASSERT_EQ(load_text(text), WG_EINVAL);
  ASSERT_CONTAINS(problems, "uplink.ack_key_file: ");
  ASSERT_CONTAINS(problems, "the key must have 16 to 1024 bytes (has 5)");
  unlink(key);
  ASSERT_EQ(load_text(text), WG_EINVAL);
  ASSERT_CONTAINS(problems, "No such file or directory");
}

/* A secret file open to others is warned about, and with
 * "strict_permissions" refused (ssh's rule for a private key). */
static void secret_file_modes(void) {
  char text[640], pw[64], psk[64];
  FILE *f;

  snprintf(pw, sizeof(pw), "/tmp/wg-test-pw-%d", (int)getpid());
  snprintf(psk, sizeof(psk), "/tmp/wg-test-psk-%d", (int)getpid());
  f = fopen(pw, "w");
  fputs("s3cret\n", f);
  fclose(f);
  f = fopen(psk, "w");
  fputs("oxi-1:000102030405060708090a0b0c0d0e0f\n", f);
  fclose(f);
  for (int strict = 0; strict < 2; strict++) {
    snprintf(text, sizeof(text),
             "{\"gateway_id\":\"gw-1\",%s\"ingest\":{\"mqtt\":{},\"coap\":{"
             "\"psk_file\":\"%s\"}},\"uplink\":{\"mqtt\":{\"username\":\"gw\","
             "\"password_file\":\"%s\"}},\"patients\":[]}",
             strict ? "\"strict_permissions\":true," : "", psk, pw);
    ASSERT_EQ(chmod(pw, 0600), 0);
    ASSERT_EQ(chmod(psk, 0400), 0);
    ASSERT_EQ(load_text(text), 0);
    ASSERT_EQ(cfg->strict_permissions, strict == 1);
    ASSERT_EQ(chmod(pw, 0666), 0);
    ASSERT_EQ(chmod(psk, 0640), 0);
    if (!strict) { /* a warning in the journal, and it runs */
      ASSERT_EQ(load_text(text), 0);
      ASSERT_STR_EQ(uplink_mqtt()->password, "s3cret");
      continue;
    }
    ASSERT_EQ(load_text(text), WG_EINVAL);
    ASSERT_EQ(nproblems, 2);
    ASSERT_CONTAINS(problems, expect("uplink.mqtt.password_file: "));
    ASSERT_CONTAINS(problems, " is open to group or others (mode 0666) "
                              "(strict_permissions)");
    ASSERT_CONTAINS(problems, expect("ingest.coap.psk_file: "));
    ASSERT_CONTAINS(problems, "(mode 0640)");
  }
  ASSERT_EQ(load_with("\"strict_permissions\":1,", ""), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("strict_permissions: must be true or false"));
  unlink(pw);
  unlink(psk);
}

/* Load a configuration with CoAP whose psk_file holds @psk. */
static int load_psk(const char *psk) {
  char text[512], file[64];
  FILE *f;
  int rc;

  snprintf(file, sizeof(file), "/tmp/wg-test-psk-%d", (int)getpid());
  f = fopen(file, "w");
  fputs(psk, f);
  fclose(f);
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"coap\":{\"port\":5684,"
           "\"psk_file\":\"%s\"}},\"uplink\":{\"mqtt\":{}},\"patients\":[]}",
           file);
  rc = load_text(text);
  unlink(file);
  return rc;
}

static void psk_file_read(void) {
  static const struct {
    const char *line;
    const char *problem; /* NULL: accepted */
  } cases[] = {
      {"oxi-1:000102030405060708090a0b0c0d0e0f\n", NULL},
      {"bp-1:FFEEDDCCBBAA99887766554433221100ffeeddcc", NULL}, /* no \n */
      {"oxi-1:0001020304050607\n", "the key must be 16 to 64 bytes in hex"},
      {"oxi-1:000102030405060708090a0b0c0d0e0\n",
       "the key must be 16 to 64 bytes in hex"},
      {"oxi-1:000102030405060708090a0b0c0d0e0g\n",
       "the key is not hexadecimal"},
      {"oxi-1 000102030405060708090a0b0c0d0e0f\n", "must be identity:hexkey"},
      {"ox/1:000102030405060708090a0b0c0d0e0f\n",
       "the identity must be a device id"},
      {"# comments only\n\n", "holds no keys"},
  };
  char psk[256];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(psk, sizeof(psk), "# keys\n\n%s", cases[i].line);
    if (cases[i].problem == NULL) {
      ASSERT_EQ(load_psk(psk), 0);
      ASSERT_EQ(ingest_coap()->npsks, 1);
      ASSERT_EQ(ingest_coap()->psks[0].key_len, i == 0 ? 16 : 20);
      ASSERT_EQ(ingest_coap()->psks[0].key[i == 0 ? 15 : 0],
                i == 0 ? 0x0f : 0xff);
    } else {
      ASSERT_EQ(load_psk(psk), WG_EINVAL);
      ASSERT_CONTAINS(problems, cases[i].problem);
    }
  }
  /* Several devices; one identity twice is refused. */
  ASSERT_EQ(load_psk("a-1:000102030405060708090a0b0c0d0e0f\n"
                     "b-2:101112131415161718191a1b1c1d1e1f\n"),
            0);
  ASSERT_EQ(ingest_coap()->npsks, 2);
  ASSERT_STR_EQ(ingest_coap()->psks[1].identity, "b-2");
  /* Device ids may hold ':'; the key follows the last one. */
  ASSERT_EQ(load_psk("urn:dev:7:000102030405060708090a0b0c0d0e0f\n"), 0);
  ASSERT_STR_EQ(ingest_coap()->psks[0].identity, "urn:dev:7");
  ASSERT_EQ(load_psk("a-1:000102030405060708090a0b0c0d0e0f\n"
                     "b-2:101112131415161718191a1b1c1d1e1f\n"),
            0);
  ASSERT_EQ(ingest_coap()->psks[1].key[15], 0x1f);
  ASSERT_EQ(load_psk("a-1:000102030405060708090a0b0c0d0e0f\n"
                     "a-1:101112131415161718191a1b1c1d1e1f\n"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, "line 2): identity a-1 appears twice");
}

static int load_coap(const char *coap) {
  char text[512];
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"coap\":%s},"
           "\"uplink\":{\"mqtt\":{}},\"patients\":[]}",
           coap);
  return load_text(text);
}

/* DESIGN.md section 4, revised 2026-12-06: plain CoAP binds the loopback
 * unless told otherwise, and off the loopback it takes keys or "insecure". */
static void coap_bind_loopback(void) {
  static const char *const loopback[] = {"127.0.0.1", "127.8.0.1", "::1",
                                         "::ffff:127.0.0.1", "localhost"};
  static const char *const open[] = {"0.0.0.0", "::", "192.168.1.20", "fe80::1",
                                     "gateway.local"};
  char block[256], file[64];
  FILE *f;

  ASSERT_EQ(load_coap("{}"), 0);
  ASSERT_STR_EQ(ingest_coap()->bind, "127.0.0.1");
  ASSERT(!ingest_coap()->insecure);
  for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
    snprintf(block, sizeof(block), "{\"bind\":\"%s\"}", loopback[i]);
    ASSERT_EQ(load_coap(block), 0);
  }
  for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
    snprintf(block, sizeof(block), "{\"bind\":\"%s\"}", open[i]);
    ASSERT_EQ(load_coap(block), WG_EINVAL);
    ASSERT_EQ(nproblems, 1);
    ASSERT_CONTAINS(problems, expect("ingest.coap.bind: "));
    ASSERT_CONTAINS(problems, "is not a loopback address");
    ASSERT_CONTAINS(problems, "psk_file");
    ASSERT_CONTAINS(problems, "\"insecure\": true");
    /* Accepted with the risk named, */
    snprintf(block, sizeof(block), "{\"bind\":\"%s\",\"insecure\":true}",
             open[i]);
    ASSERT_EQ(load_coap(block), 0);
    ASSERT(ingest_coap()->insecure);
    snprintf(block, sizeof(block), "{\"bind\":\"%s\",\"insecure\":false}",
             open[i]);
    ASSERT_EQ(load_coap(block), WG_EINVAL);
  }
  /* or with keys: DTLS only. */
  snprintf(file, sizeof(file), "/tmp/wg-test-psk-%d", (int)getpid());
  f = fopen(file, "w");
  fputs("oxi-1:000102030405060708090a0b0c0d0e0f\n", f);
  fclose(f);
  snprintf(block, sizeof(block), "{\"bind\":\"0.0.0.0\",\"psk_file\":\"%s\"}",
           file);
  ASSERT_EQ(load_coap(block), 0);
  ASSERT(!ingest_coap()->insecure);
  unlink(file);
  ASSERT_EQ(load_coap("{\"insecure\":1}"), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("ingest.coap.insecure: must be true or false"));
}

/* ingest.coap.admin_identities: identities of the psk_file, which it needs
 * (plain CoAP has no identities). */
static void coap_admin_identities(void) {
  static const struct {
    const char *admins;
    bool psk;
    int rc;
    const char *problem; /* after "ingest.coap.admin_identities" */
  } cases[] = {
      {"[\"ops-1\"]", true, 0, NULL},
      {"[\"ops-1\",\"oxi-1\"]", true, 0, NULL},
      {"[]", true, 0, NULL},
      {"null", true, 0, NULL},
      {"[\"ops-1\"]", false, WG_EINVAL, ": needs psk_file"},
      {"[\"ops-2\"]", true, WG_EINVAL, "[0]: ops-2 has no key in psk_file"},
      {"[7]", true, WG_EINVAL, "[0]: must be a string"},
      {"\"ops-1\"", true, WG_EINVAL, ": must be an array"},
  };
  char block[512], file[64], want[128];
  FILE *f;

  snprintf(file, sizeof(file), "/tmp/wg-test-psk-%d", (int)getpid());
  f = fopen(file, "w");
  fputs("oxi-1:000102030405060708090a0b0c0d0e0f\n"
        "ops-1:101112131415161718191a1b1c1d1e1f\n",
        f);
  fclose(f);
  chmod(file, 0600);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (cases[i].psk)
      snprintf(block, sizeof(block),
               "{\"psk_file\":\"%s\",\"admin_identities\":%s}", file,
               cases[i].admins);
    else
      snprintf(block, sizeof(block), "{\"admin_identities\":%s}",
               cases[i].admins);
    if (load_coap(block) != cases[i].rc)
      FAIL_AT("case %zu: %s", i, problems);
    if (cases[i].problem != NULL) {
      snprintf(want, sizeof(want), "ingest.coap.admin_identities%s",
               cases[i].problem);
      ASSERT_CONTAINS(problems, expect(want));
    } else if (cases[i].admins[0] == '[' && cases[i].admins[1] == '"') {
      ASSERT_STR_EQ(ingest_coap()->admins[0], "ops-1");
      ASSERT_EQ(ingest_coap()->nadmins,
                strchr(cases[i].admins, ',') != NULL ? 2 : 1);
    } else {
      ASSERT_EQ(ingest_coap()->nadmins, 0);
    }
  }
  unlink(file);
}

static int load_devices(const char *ingest, const char *devices) {
  char text[1024];
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":%s,\"uplink\":{\"mqtt\":{}},"
           "\"patients\":[{\"id\":\"p-1\",\"devices\":%s}]}",
           ingest, devices);
  return load_text(text);
}

/* DESIGN.md section 4 (2026-12-06): a device may be an object that says
 * what it may report and over which transports. */
static void device_objects(void) {
  static const char both[] = "{\"mqtt\":{},\"coap\":{}}";
  const wg_device_conf_t *dc;

  ASSERT_EQ(load_devices(both, "[\"oxi-1\",{\"id\":\"cup-1\",\"keys\":"
                               "[\"fluid_intake\",\"battery\"],\"via\":"
                               "[\"coap\"]},{\"id\":\"bp-1\"}]"),
            0);
  ASSERT_EQ(cfg->patients[0].ndevices, 3);
  ASSERT_STR_EQ(cfg->patients[0].devices[1], "cup-1");
  dc = &cfg->patients[0].device_conf[1];
  ASSERT_EQ(dc->nkeys, 2);
  ASSERT_STR_EQ(dc->keys[1], "battery");
  ASSERT_EQ(dc->nvia, 1);
  ASSERT_STR_EQ(dc->via[0], "coap");
  /* A plain string, or an object with only an id: anything. */
  ASSERT(cfg->patients[0].device_conf[0].keys == NULL);
  ASSERT(cfg->patients[0].device_conf[0].via == NULL);
  ASSERT(cfg->patients[0].device_conf[2].keys == NULL);
  ASSERT(cfg->patients[0].device_conf[2].via == NULL);

  /* Keys are measurement names of the SenML table. */
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup-1\",\"keys\":[\"fluid\"]}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].devices[0].keys[0]: \"fluid\" is not a "
                         "measurement name (rr, spo2, o2, sbp, dbp, hr, acvpu, "
                         "temp, fall, fluid_intake, meal, battery)"));
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup-1\",\"keys\":[]}]"), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices[0].keys: must be a "
                                   "non-empty array of strings"));
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup-1\",\"keys\":\"meal\"}]"),
            WG_EINVAL);
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup-1\",\"keys\":[\"meal\",3]}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].devices[0].keys[1]: must be a string"));
  ASSERT_EQ(
      load_devices(both, "[{\"id\":\"cup-1\",\"keys\":[\"meal\",\"meal\"]}]"),
      WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices[0].keys[1]: \"meal\" "
                                   "is listed twice"));
  /* Transports are inputs, and configured ones. */
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup-1\",\"via\":[\"http\"]}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices[0].via[0]: \"http\" "
                                   "is not an input (\"mqtt\", \"coap\")"));
  ASSERT_EQ(load_devices("{\"mqtt\":{}}",
                         "[\"oxi-1\",{\"id\":\"cup-1\",\"via\":[\"coap\"]}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices[1].via[0]: "
                                   "ingest.coap is not configured"));
  /* The object is checked like the rest. */
  ASSERT_EQ(load_devices(both, "[{\"keys\":[\"meal\"]}]"), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices[0].id: required"));
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup 1\"}]"), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].devices[0].id: must be a device id"));
  ASSERT_EQ(load_devices(both, "[{\"id\":\"cup-1\",\"kinds\":[]}]"), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].devices[0].kinds: unknown key"));
  /* and an id in an object is still one patient's only. */
  ASSERT_EQ(load_devices(both, "[\"cup-1\",{\"id\":\"cup-1\"}]"), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices[1]: \"cup-1\" is also "
                                   "patients[0].devices[0]"));
}

static void devices_unique(void) {
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},"
                      "\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":\"p-1\","
                      "\"devices\":[\"a\",\"b\"]},{\"id\":\"p-1\",\"devices\":"
                      "[\"c\",\"a\"]}]}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[1].id: \"p-1\" is also "
                                   "patients[0].id"));
  ASSERT_CONTAINS(problems, expect("patients[1].devices[1]: \"a\" is also "
                                   "patients[0].devices[0]"));
}

static int load_uplink(const char *mqtt) {
  char text[1024];
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},"
           "\"uplink\":{\"mqtt\":{%s}},\"patients\":[]}",
           mqtt);
  return load_logged(text);
}

/* A hub off the loopback without TLS is refused unless
 * "insecure_plaintext": true, which is then warned about at each reading. */
static void uplink_plaintext(void) {
  static const char *const loopback[] = {"\"host\":\"127.0.0.1\"",
                                         "\"host\":\"127.1.2.3\"",
                                         "\"host\":\"::1\"",
                                         "\"host\":\"localhost\"",
                                         "\"host\":\"::ffff:127.0.0.1\"",
                                         ""};
  char tls[512];

  for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
    ASSERT_EQ(load_uplink(loopback[i]), 0);
    ASSERT(!uplink_mqtt()->insecure_plaintext);
    ASSERT_STR_EQ(logged, "");
  }
  ASSERT_EQ(load_uplink("\"host\":\"hub.example.org\",\"port\":1883"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("uplink.mqtt.host: hub.example.org is not a loopback "
                         "address: without TLS"));
  ASSERT_CONTAINS(problems, "\"insecure_plaintext\": true to accept the risk");
  ASSERT_EQ(nproblems, 1);
  ASSERT_EQ(load_uplink("\"host\":\"192.168.1.10\""), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("uplink.mqtt.host: 192.168.1.10 is not"));
  /* Each broker of a cluster, by its own key path. */
  ASSERT_EQ(load_uplink("\"hosts\":[{\"host\":\"127.0.0.1\"},"
                        "{\"host\":\"hub-b.example.org\"}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("uplink.mqtt.hosts[1].host: "
                                   "hub-b.example.org is not a loopback"));
  ASSERT_EQ(nproblems, 1);

  /* Accepted when asked for, and said at every reading. */
  ASSERT_EQ(load_uplink("\"host\":\"10.0.0.5\",\"insecure_plaintext\":true"),
            0);
  ASSERT(uplink_mqtt()->insecure_plaintext);
  ASSERT_CONTAINS(logged, "uplink.mqtt.insecure_plaintext: the uplink to "
                          "10.0.0.5 is plain MQTT");
  ASSERT_EQ(load_uplink("\"hosts\":[{\"host\":\"hub-a.example.org\"}],"
                        "\"insecure_plaintext\":true"),
            0);
  ASSERT_CONTAINS(logged, "the uplink to hub-a.example.org is plain MQTT");
  ASSERT_EQ(load_uplink("\"insecure_plaintext\":\"yes\""), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("uplink.mqtt.insecure_plaintext: must be true or "
                         "false"));

  /* TLS needs no exception; the exception with TLS is pointless. */
  snprintf(tls, sizeof(tls),
           "\"host\":\"hub.example.org\",\"port\":8883,"
           "\"tls\":{\"ca_file\":\"%s\"}",
           WG_SOURCE_DIR "/config/wardgate.json");
  ASSERT_EQ(load_uplink(tls), 0);
  ASSERT_STR_EQ(logged, "");
  strcat(tls, ",\"insecure_plaintext\":true");
  ASSERT_EQ(load_uplink(tls), 0);
  ASSERT_CONTAINS(logged, "uplink.mqtt.insecure_plaintext: has no effect");
}

/* uplink.mqtt.protocol: "3.1.1" by default, "5", nothing else; the
 * ingest has no such key. */
static void uplink_protocol(void) {
  ASSERT_EQ(load_with("", ""), 0);
  ASSERT_EQ(uplink_mqtt()->protocol_version, 4);
  ASSERT_EQ(load_uplink("\"protocol\":\"5\""), 0);
  ASSERT_EQ(uplink_mqtt()->protocol_version, 5);
  ASSERT_EQ(load_uplink("\"protocol\":\"3.1.1\""), 0);
  ASSERT_EQ(uplink_mqtt()->protocol_version, 4);
  ASSERT_EQ(load_uplink("\"protocol\":\"3.1\""), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("uplink.mqtt.protocol: must be \"3.1.1\" or \"5\""));
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{"
                      "\"protocol\":\"5\"}},\"uplink\":{\"mqtt\":{}},"
                      "\"patients\":[]}"),
            WG_EINVAL);
}

TEST_MAIN(T(password_file_read), T(ack_key_file_read), T(secret_file_modes),
          T(psk_file_read), T(coap_bind_loopback), T(coap_admin_identities),
          T(device_objects), T(devices_unique), T(uplink_plaintext),
          T(uplink_protocol), T(cleanup))
