/* SPDX-License-Identifier: MIT */
/*
 * The configuration file and its checker: the example, the defaults, the
 * errors by kind, routes, rules, FHIR. Secrets, inputs, devices and the
 * uplink are test_config_inputs.c's.
 */
#include "config_fixture.h"

static void example_file_passes(void) {
  ASSERT_EQ(wg_config_load(WG_SOURCE_DIR "/config/wardgate.json", &cfg, collect,
                           NULL),
            0);
  ASSERT_STR_EQ(cfg->gateway_id, "gw-0001");
  ASSERT_EQ(cfg->npatients, 1);
  ASSERT_EQ(cfg->patients[0].nthresholds, 2);
  ASSERT_EQ(cfg->patients[0].thresholds[0].confirm, 2);
  ASSERT_EQ(cfg->patients[0].intake[0].ncheckpoints, 3);
  ASSERT_EQ(cfg->patients[0].intake[0].checkpoints[1].second_of_day, 16 * 3600);
  ASSERT(ingest_coap() == NULL);
  /* The hub over TLS. */
  ASSERT_EQ(uplink_mqtt()->port, 8883);
  ASSERT(uplink_mqtt()->ca_file != NULL);
  ASSERT(!uplink_mqtt()->insecure_plaintext);
  wg_config_free(cfg);
  cfg = NULL;
}

static void defaults(void) {
  ASSERT_EQ(load_with("", ""), 0);
  ASSERT_STR_EQ(cfg->database, "/var/lib/wardgate/wardgate.db");
  ASSERT_EQ(cfg->durability, WG_DURABILITY_POWER);
  ASSERT_EQ(cfg->retention_days, 30);
  ASSERT_NEAR(cfg->status_interval_s, 60, 0);
  ASSERT_NEAR(cfg->news2_interval_s, 60, 0);
  ASSERT(!cfg->accept_unknown_devices);
  ASSERT_STR_EQ(ingest_mqtt()->host, "127.0.0.1");
  ASSERT_EQ(ingest_mqtt()->port, 1883);
  ASSERT_STR_EQ(ingest_mqtt()->subscriptions[0], "wardgate/dev/+/senml");
  ASSERT(ingest_mqtt()->client_id == NULL);
  ASSERT_EQ(uplink_mqtt()->keepalive_s, 30);
  ASSERT_EQ(cfg->patients[0].news2_scale, 1);
  ASSERT_NEAR(cfg->patients[0].news2_window_min, 60, 0);
  ASSERT_NEAR(cfg->patients[0].ack_timeout_min[WG_SEV_EMERGENCY], 5, 0);
  ASSERT_NEAR(cfg->patients[0].ack_timeout_min[WG_SEV_LOW], 120, 0);
}

static void comments_allowed(void) {
  ASSERT_EQ(load_text("// leading\n{\"gateway_id\":\"gw-1\", /* inline */\n"
                      "\"ingest\":{\"mqtt\":{\"host\":\"a//b\"}},\n"
                      "\"uplink\":{\"mqtt\":{}}, // trailing\n"
                      "\"patients\":[]}\n"),
            0);
  /* A comment marker inside a string is part of the string. */
  ASSERT_STR_EQ(ingest_mqtt()->host, "a//b");
}

static void type_errors(void) {
  ASSERT_EQ(load_with("\"retention_days\":\"30\",\"durability\":1,", ""),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("retention_days: must be a number\n"));
  ASSERT_CONTAINS(problems, expect("durability: must be one of \"power\", "
                                   "\"process\"\n"));
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},"
                      "\"uplink\":{\"mqtt\":{}},\"patients\":[{\"id\":\"p\","
                      "\"devices\":\"oxi-1\"}]}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].devices: must be an array"));
  ASSERT_EQ(load_with("", ",\"thresholds\":[{\"name\":\"spo2\",\"below\":"
                          "\"90\",\"severity\":\"high\"}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].thresholds[0].below: must be a number"));
}

/* Routes: windows in order, one fallback last; every problem names its key
 * path. */
static void routes_read_and_checked(void) {
  ASSERT_EQ(load_with("\"routes\":[{\"name\":\"virtual-ward\",\"days\":["
                      "\"mon\",\"fri\"],\"from\":\"08:00\",\"to\":"
                      "\"20:00\"},{\"name\":\"night\",\"days\":[\"sun\"],"
                      "\"from\":\"22:00\",\"to\":\"06:00:30\"},{\"name\":"
                      "\"out-of-hours\"}],",
                      ""),
            0);
  ASSERT_EQ(cfg->nroutes, 3);
  ASSERT_STR_EQ(cfg->routes[0].name, "virtual-ward");
  ASSERT_EQ(cfg->routes[0].days, (1u << 1) | (1u << 5));
  ASSERT_EQ(cfg->routes[0].from_s, 8 * 3600);
  ASSERT_EQ(cfg->routes[1].to_s, 6 * 3600 + 30);
  ASSERT_EQ(cfg->routes[2].days, 0);
  ASSERT_EQ(load_with("", ""), 0);
  ASSERT_EQ(cfg->nroutes, 0);

  ASSERT_EQ(load_with("\"routes\":[{\"name\":\"a\"},{\"name\":\"b\",\"days\":"
                      "[\"mon\"],\"from\":\"08:00\",\"to\":\"09:00\"},"
                      "{\"name\":\"c\"}],",
                      ""),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("routes[0]: a route without a window is "
                                   "the fallback: only one, and last\n"));
  ASSERT_EQ(load_with("\"routes\":[{\"name\":\"a\",\"days\":[\"mon\"],"
                      "\"from\":\"08:00\",\"to\":\"09:00\"}],",
                      ""),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("routes: needs a fallback"));
  ASSERT_EQ(load_with("\"routes\":[{\"name\":\"a\",\"days\":[\"mon\","
                      "\"funday\"],\"from\":\"8:00\",\"to\":\"09:00\"},"
                      "{\"name\":\"b\",\"days\":[\"tue\"],\"from\":"
                      "\"09:00\",\"to\":\"09:00\"},{\"name\":\"a\",\"days\":"
                      "[\"wed\"]},{\"name\":\"z\"}],",
                      ""),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("routes[0].days[1]: must be one of"));
  ASSERT_CONTAINS(problems, expect("routes[0].from: must be \"HH:MM\" or "
                                   "\"HH:MM:SS\"\n"));
  ASSERT_CONTAINS(problems,
                  expect("routes[1].to: must differ from \"from\"\n"));
  ASSERT_CONTAINS(problems, expect("routes[2].from: required with \"days\"\n"));
  ASSERT_CONTAINS(problems,
                  expect("routes[2]: \"a\" is also routes[0].name\n"));
  ASSERT_EQ(load_with("\"routes\":[],", ""), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("routes: must be a non-empty array"));
  ASSERT_EQ(load_with("\"routes\":[{\"name\":\"a\",\"to\":\"09:00\"},"
                      "{\"name\":\"z\",\"hours\":1}],",
                      ""),
            WG_EINVAL);
  ASSERT_CONTAINS(
      problems, expect("routes[0].days: required with \"from\" and \"to\"\n"));
  ASSERT_CONTAINS(problems, expect("routes[1].hours: unknown key\n"));
}

static void range_errors(void) {
  ASSERT_EQ(load_with("\"retention_days\":0,\"status_interval_s\":0.5,", ""),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("retention_days: must be between 1 and 36500 (got "
                         "0)"));
  ASSERT_CONTAINS(problems, expect("status_interval_s: must be between 1"));
  ASSERT_EQ(load_with("\"news2_interval_s\":-1,", ""), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("news2_interval_s: must be between 0 and "
                                   "86400 (got -1)\n"));
  ASSERT_EQ(load_with("\"news2_interval_s\":0,", ""), 0); /* no coalescing */
  ASSERT_EQ(load_with("", ",\"news2\":{\"scale\":3}"), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("patients[0].news2.scale: must be between "
                                   "1 and 2 (got 3)"));
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{\"port\":"
                      "65536}},\"uplink\":{\"mqtt\":{\"port\":1.5}},"
                      "\"patients\":[]}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("ingest.mqtt.port: must be between"));
  ASSERT_CONTAINS(problems, expect("uplink.mqtt.port: must be a whole number"));
  ASSERT_EQ(load_with("\"gateway_id\":\"gw 1\",", ""), WG_EINVAL);
}

static void unknown_keys(void) {
  ASSERT_EQ(load_with("\"durablity\":\"power\",", ",\"devics\":[]"), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("durablity: unknown key\n"));
  ASSERT_CONTAINS(problems, expect("patients[0].devics: unknown key\n"));
  ASSERT_EQ(load_with("", ",\"escalation\":{\"ack_timeout_min\":{\"hgh\":3}}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].escalation.ack_timeout_min.hgh: unknown "
                         "key"));
}

static void missing_required(void) {
  ASSERT_EQ(load_text("{\"ingest\":{},\"patients\":[{\"devices\":[]}]}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("gateway_id: required\n"));
  ASSERT_CONTAINS(problems, expect("uplink: required\n"));
  ASSERT_CONTAINS(problems, expect("ingest: needs \"mqtt\" or \"coap\"\n"));
  ASSERT_CONTAINS(problems, expect("patients[0].id: required\n"));
  ASSERT_EQ(load_text("{\"gateway_id\":\"g\",\"ingest\":{\"mqtt\":{}},"
                      "\"uplink\":{\"mqtt\":null}}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("uplink.mqtt: required\n"));
  ASSERT_CONTAINS(problems, expect("patients: required"));
  ASSERT_EQ(load_with("", ",\"thresholds\":[{\"name\":\"hr\",\"above\":1}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("patients[0].thresholds[0].severity: required"));
}

static void bad_json(void) {
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\",}"), WG_EINVAL);
  ASSERT_EQ(nproblems, 1);
  ASSERT_CONTAINS(problems, expect("invalid JSON"));
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\"} {}"), WG_EINVAL);
  ASSERT_CONTAINS(problems, "trailing bytes");
  ASSERT_EQ(load_text("{\"gateway_id\":\"a\",\"gateway_id\":\"b\"}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, "duplicate member name \"gateway_id\"");
  ASSERT_EQ(load_text(""), WG_EINVAL);
  ASSERT_EQ(load_text("[]"), WG_EINVAL);
  ASSERT_CONTAINS(problems, "must be an object");
}

static void unreadable_files(void) {
  ASSERT_EQ(load_text("{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{"
                      "\"username\":\"u\",\"password_file\":\"/nonexistent/"
                      "pw\"}},\"uplink\":{\"mqtt\":{\"tls\":{\"ca_file\":"
                      "\"/nonexistent/ca.pem\"}}},\"patients\":[]}"),
            WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("ingest.mqtt.password_file: cannot read "
                         "/nonexistent/pw: No such file or directory\n"));
  ASSERT_CONTAINS(problems,
                  expect("uplink.mqtt.tls.ca_file: cannot read "
                         "/nonexistent/ca.pem: No such file or directory\n"));
  ASSERT_EQ(wg_config_load("/nonexistent/config.json", &cfg, collect, NULL),
            WG_EINVAL);
  ASSERT_CONTAINS(problems, "/nonexistent/config.json: cannot read");
}

static void every_problem_reported(void) {
  ASSERT_EQ(load_text("{\"gateway_id\":\"\",\"retention_days\":-1,\"x\":1,"
                      "\"ingest\":{\"mqtt\":{\"topic\":\"a/#\"}},"
                      "\"uplink\":{\"mqtt\":{}},\"patients\":[]}"),
            WG_EINVAL);
  ASSERT_EQ(nproblems, 4);
  ASSERT_CONTAINS(problems, expect("ingest.mqtt.topic: must have exactly one "
                                   "'+' level"));
}

static void rule_settings(void) {
  ASSERT_EQ(
      load_with("", ",\"intake\":[{\"name\":\"fluid_intake\",\"daily_target\":"
                    "1.5,\"checkpoints\":{\"20:00\":0.75,\"12:00:30\":0.25}}],"
                    "\"expect\":[{\"name\":\"spo2\",\"every_min\":\"news2\"},{"
                    "\"name\":\"hr\",\"every_min\":0.05}],\"escalation\":{"
                    "\"ack_timeout_min\":{\"high\":0.05}}"),
      0);
  ASSERT_EQ(cfg->patients[0].intake[0].checkpoints[0].second_of_day,
            12 * 3600 + 30);
  ASSERT_NEAR(cfg->patients[0].intake[0].checkpoints[1].fraction, 0.75, 0);
  ASSERT(cfg->patients[0].expect[0].follow_news2);
  ASSERT_NEAR(cfg->patients[0].expect[1].every_min, 0.05, 0);
  ASSERT_NEAR(cfg->patients[0].ack_timeout_min[WG_SEV_HIGH], 0.05, 0);
  ASSERT_NEAR(cfg->patients[0].ack_timeout_min[WG_SEV_MEDIUM], 30, 0);
  ASSERT_EQ(load_with("", ",\"intake\":[{\"name\":\"fluid_intake\","
                          "\"daily_target\":1,\"checkpoints\":{\"12:60\":0.5,"
                          "\"1:00\":2}}]"),
            WG_EINVAL);
  ASSERT_EQ(nproblems, 3);
}

/* uplink.fhir: off by default; each problem named by its key path. */
static int load_fhir(const char *fhir) {
  char text[1024];
  snprintf(text, sizeof(text),
           "{\"gateway_id\":\"gw-1\",\"ingest\":{\"mqtt\":{}},"
           "\"uplink\":{\"mqtt\":{},\"fhir\":%s},\"patients\":[]}",
           fhir);
  return load_text(text);
}

static void fhir_export(void) {
  ASSERT_EQ(load_with("", ""), 0);
  ASSERT(!cfg->fhir.enabled);
  ASSERT_EQ(load_fhir("{\"enabled\":true}"), 0);
  ASSERT(cfg->fhir.enabled);
  ASSERT_STR_EQ(cfg->fhir.patient_system, "urn:wardgate:patient");
  ASSERT_STR_EQ(cfg->fhir.device_system, "urn:wardgate:device");
  ASSERT_EQ(load_fhir("{\"enabled\":true,\"patient_system\":"
                      "\"https://fhir.nhs.uk/Id/nhs-number\"}"),
            0);
  ASSERT_STR_EQ(cfg->fhir.patient_system, "https://fhir.nhs.uk/Id/nhs-number");
  ASSERT_EQ(load_fhir("null"), 0);
  ASSERT(!cfg->fhir.enabled);

  ASSERT_EQ(load_fhir("{\"enabled\":1}"), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("uplink.fhir.enabled: must be true or false"));
  ASSERT_EQ(load_fhir("{\"patient_system\":\"nhs-number\"}"), WG_EINVAL);
  ASSERT_CONTAINS(problems,
                  expect("uplink.fhir.patient_system: must be an absolute URI "
                         "of letters, digits and - . _ ~ : / @ ! $ ' ( ) * ; = "
                         "only"));
  ASSERT_EQ(load_fhir("{\"device_system\":\"urn:a|b\"}"), WG_EINVAL);
  ASSERT_CONTAINS(problems, expect("uplink.fhir.device_system: must be"));
  ASSERT_EQ(load_fhir("{\"device_system\":\"urn:a b\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"device_system\":\"urn:a&b\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"device_system\":\"urn:a#b\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"device_system\":\"urn:a%20b\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"device_system\":\"urn:a,b\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"patient_system\":\"1urn:x\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"patient_system\":\"urn:\"}"), WG_EINVAL);
  ASSERT_EQ(load_fhir("{\"enabled\":true,\"server\":\"x\"}"), WG_EINVAL);
  ASSERT_CONTAINS(problems, "uplink.fhir");
  ASSERT_CONTAINS(problems, "server");
  ASSERT_EQ(load_fhir("[]"), WG_EINVAL);
}

/*
 * NEWS2 on (a "news2" object) and no "expect": the RCP frequency by band
 * is the default, as the observation set "news2" (DESIGN.md section 8). An
 * explicit "expect", even empty, replaces it; no "news2", no default.
 */
static void news2_implies_expect(void) {
  ASSERT_EQ(load_with("", ",\"news2\":{}"), 0);
  ASSERT_EQ(cfg->patients[0].nexpect, 1);
  ASSERT_STR_EQ(cfg->patients[0].expect[0].name, "news2");
  ASSERT(cfg->patients[0].expect[0].follow_news2);
  ASSERT_NEAR(cfg->patients[0].expect[0].every_min, 0, 0);
  ASSERT_EQ(load_with("", ",\"news2\":{\"scale\":2},\"expect\":[{"
                          "\"name\":\"hr\",\"every_min\":30}]"),
            0);
  ASSERT_EQ(cfg->patients[0].nexpect, 1);
  ASSERT_STR_EQ(cfg->patients[0].expect[0].name, "hr");
  ASSERT(!cfg->patients[0].expect[0].follow_news2);
  ASSERT_EQ(load_with("", ",\"news2\":{},\"expect\":[]"), 0);
  ASSERT_EQ(cfg->patients[0].nexpect, 0);
  ASSERT_EQ(load_with("", ""), 0);
  ASSERT_EQ(cfg->patients[0].nexpect, 0);
}

TEST_MAIN(T(example_file_passes), T(defaults), T(news2_implies_expect),
          T(comments_allowed), T(type_errors), T(range_errors),
          T(routes_read_and_checked), T(unknown_keys), T(missing_required),
          T(bad_json), T(unreadable_files), T(every_problem_reported),
          T(rule_settings), T(fhir_export), T(cleanup))
