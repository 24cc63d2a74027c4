/* SPDX-License-Identifier: MIT */
#include "ingest/senml.h"
#include "test.h"
#include "wardgate/error.h"

#define NOW 1763900000.0

static wg_arena_t arena;
static wg_readings_t out;
static char err[256];

static int parse_len(const char *json, size_t len) {
  wg_arena_free(&arena);
  out.n = 0;
  err[0] = '\0';
  return wg_senml_parse(json, len, NOW, &arena, &out, err, sizeof(err));
}

static int parse(const char *json) { return parse_len(json, strlen(json)); }

static const wg_reading_t *find(const char *name, int nth) {
  for (size_t i = 0; i < out.n; i++)
    if (strcmp(out.v[i].name, name) == 0 && nth-- == 0)
      return &out.v[i];
  return NULL;
}

/* RFC 8428 section 5 examples. A single data point. */
static void rfc_single_datapoint(void) {
  ASSERT_EQ(parse("[{\"n\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"Cel\","
                  "\"v\":23.1}]"),
            0);
  ASSERT_EQ(out.n, 1);
  ASSERT_STR_EQ(out.v[0].name, "urn:dev:ow:10e2073a01080063");
  ASSERT_STR_EQ(out.v[0].unit, "Cel");
  ASSERT_NEAR(out.v[0].value, 23.1, 1e-9);
  ASSERT_NEAR(out.v[0].ts, NOW, 1e-6); /* no time: received now */
}

/* Multiple data points, names from bn + n. */
static void rfc_multiple_datapoints(void) {
  ASSERT_EQ(parse("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"voltage\","
                  "\"u\":\"V\",\"v\":120.1},{\"n\":\"current\",\"u\":\"A\","
                  "\"v\":1.2}]"),
            0);
  ASSERT_EQ(out.n, 2);
  ASSERT_STR_EQ(out.v[0].name, "urn:dev:ow:10e2073a01080063:voltage");
  ASSERT_STR_EQ(out.v[1].name, "urn:dev:ow:10e2073a01080063:current");
  ASSERT_STR_EQ(out.v[1].unit, "A");
}

/* Multiple measurements: base time, base unit, bver and relative t. */
static void rfc_multiple_measurements(void) {
  ASSERT_EQ(
      parse("[{\"bn\":\"urn:dev:ow:10e2073a0108006:\",\"bt\":1.276020076001e+"
            "09,\"bu\":\"A\",\"bver\":5,\"n\":\"voltage\",\"u\":\"V\",\"v\":"
            "120.1},{\"n\":\"current\",\"t\":-5,\"v\":1.2},{\"n\":\"current\","
            "\"t\":-4,\"v\":1.3},{\"n\":\"current\",\"t\":-3,\"v\":1.4},{\"n\":"
            "\"current\",\"t\":-2,\"v\":1.5},{\"n\":\"current\",\"t\":-1,\"v\":"
            "1.6},{\"n\":\"current\",\"v\":1.7}]"),
      0);
  ASSERT_EQ(out.n, 7);
  ASSERT_STR_EQ(out.v[0].unit, "V");
  ASSERT_STR_EQ(out.v[1].unit, "A"); /* bu */
  ASSERT_NEAR(out.v[1].ts, 1276020076.001 - 5, 1e-6);
  ASSERT_NEAR(out.v[6].ts, 1276020076.001, 1e-6);
}

/* Multiple types of measurement: records without n take bn as their name. */
static void rfc_multiple_types_of_measurement(void) {
  ASSERT_EQ(
      parse("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"bt\":1.320067464e"
            "+09,\"bu\":\"%RH\",\"v\":20},{\"u\":\"lon\",\"v\":24.30621},{"
            "\"u\":\"lat\",\"v\":60.07965},{\"t\":60,\"v\":20.3},{\"u\":"
            "\"lon\",\"t\":60,\"v\":24.30622}]"),
      0);
  ASSERT_EQ(out.n, 5);
  ASSERT_STR_EQ(out.v[0].name, "urn:dev:ow:10e2073a01080063:");
  ASSERT_STR_EQ(out.v[0].unit, "%RH");
  ASSERT_STR_EQ(out.v[1].unit, "lon");
  ASSERT_NEAR(out.v[3].ts, 1320067464.0 + 60, 1e-6);
}

/* A collection of resources; battery is a known key. */
static void rfc_collection_of_resources(void) {
  ASSERT_EQ(
      parse("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"bt\":1.320078429e"
            "+09,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":27.2},{\"n\":"
            "\"humidity\",\"u\":\"%RH\",\"v\":80},{\"n\":\"battery\","
            "\"u\":\"%EL\",\"v\":100}]"),
      0);
  ASSERT_EQ(out.n, 3);
  ASSERT_STR_EQ(out.v[0].name, "urn:dev:ow:10e2073a01080063:temperature");
  ASSERT_STR_EQ(out.v[2].name, "battery");
  ASSERT_STR_EQ(out.v[2].unit, "%EL");
}

/* Multiple data types: string, boolean and data values. A record whose key is
 * "temp" is body temperature here, so the RFC's 23.1 Cel room temperature is
 * out of range; the other value types are stored as they come. */
static void rfc_multiple_data_types(void) {
  ASSERT_EQ(parse("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"temp\","
                  "\"u\":\"Cel\",\"v\":23.1},{\"n\":\"label\",\"vs\":\"Machine "
                  "Room\"},{\"n\":\"open\",\"vb\":false},{\"n\":\"nfc-reader\","
                  "\"vd\":\"aGkgCg\"}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(err, "temp 23.1 Cel outside 25-45");
  ASSERT_EQ(out.n, 0);
  ASSERT_EQ(parse("[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"n\":\"label\","
                  "\"vs\":\"Machine Room\"},{\"n\":\"open\",\"vb\":false},{"
                  "\"n\":\"nfc-reader\",\"vd\":\"aGkgCg\"}]"),
            0);
  ASSERT_STR_EQ(out.v[0].vs, "Machine Room");
  ASSERT(out.v[1].flags & WG_READING_HAS_VB);
  ASSERT_EQ(out.v[1].vb, 0);
  ASSERT_STR_EQ(out.v[2].vd, "aGkgCg");
}

static void known_keys_by_last_segment(void) {
  ASSERT_EQ(parse("[{\"bn\":\"urn:dev:mac:0024befffe804ff1/\",\"n\":\"spo2\","
                  "\"u\":\"%\",\"v\":97},{\"n\":\"hr\",\"v\":72}]"),
            0);
  ASSERT_STR_EQ(out.v[0].name, "spo2");
  ASSERT_STR_EQ(out.v[1].name, "hr");
  ASSERT_STR_EQ(out.v[1].unit, "beat/min"); /* absent unit: canonical */
}

typedef struct conv_case_s {
  const char *json;
  const char *key;
  const char *unit;
  double value;
} conv_case_t;

static void unit_conversions(void) {
  static const conv_case_t cases[] = {
      {"[{\"n\":\"rr\",\"u\":\"1/min\",\"v\":16}]", "rr", "1/min", 16},
      {"[{\"n\":\"rr\",\"u\":\"breath/min\",\"v\":16}]", "rr", "1/min", 16},
      {"[{\"n\":\"spo2\",\"u\":\"%\",\"v\":95}]", "spo2", "%", 95},
      {"[{\"n\":\"sbp\",\"u\":\"mmHg\",\"v\":120}]", "sbp", "mmHg", 120},
      {"[{\"n\":\"sbp\",\"u\":\"kPa\",\"v\":16}]", "sbp", "mmHg", 120.009869},
      {"[{\"n\":\"dbp\",\"u\":\"Pa\",\"v\":10666}]", "dbp", "mmHg", 80.0015795},
      {"[{\"n\":\"dbp\",\"u\":\"kPa\",\"v\":10.6658}]", "dbp", "mmHg", 80.0},
      {"[{\"n\":\"hr\",\"u\":\"beat/min\",\"v\":60}]", "hr", "beat/min", 60},
      {"[{\"n\":\"hr\",\"u\":\"1/min\",\"v\":60}]", "hr", "beat/min", 60},
      {"[{\"n\":\"temp\",\"u\":\"Cel\",\"v\":37}]", "temp", "Cel", 37},
      {"[{\"n\":\"temp\",\"u\":\"K\",\"v\":310.15}]", "temp", "Cel", 37},
      {"[{\"n\":\"temp\",\"u\":\"degF\",\"v\":98.6}]", "temp", "Cel", 37},
      {"[{\"n\":\"fluid_intake\",\"u\":\"l\",\"v\":0.25}]", "fluid_intake", "l",
       0.25},
      {"[{\"n\":\"fluid_intake\",\"u\":\"ml\",\"v\":250}]", "fluid_intake", "l",
       0.25},
      {"[{\"n\":\"meal\",\"u\":\"/\",\"v\":0.5}]", "meal", "/", 0.5},
      {"[{\"n\":\"meal\",\"u\":\"%\",\"v\":50}]", "meal", "/", 0.5},
      {"[{\"n\":\"battery\",\"u\":\"%EL\",\"v\":15}]", "battery", "%EL", 15},
      {"[{\"n\":\"battery\",\"u\":\"%\",\"v\":15}]", "battery", "%EL", 15},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (parse(cases[i].json) != 0)
      FAIL_AT("%s: %s", cases[i].json, err);
    ASSERT_STR_EQ(out.v[0].name, cases[i].key);
    ASSERT_STR_EQ(out.v[0].unit, cases[i].unit);
    ASSERT_NEAR(out.v[0].value, cases[i].value, 1e-4);
  }
}

static void value_kinds(void) {
  ASSERT_EQ(parse("[{\"n\":\"fall\",\"vb\":true},{\"n\":\"o2\",\"vb\":false},"
                  "{\"n\":\"acvpu\",\"vs\":\"V\"}]"),
            0);
  ASSERT_EQ(out.v[0].vb, 1);
  ASSERT_STR_EQ(out.v[0].unit, "");
  ASSERT_EQ(out.v[1].vb, 0);
  ASSERT_STR_EQ(out.v[2].vs, "V");
  ASSERT_STR_EQ(out.v[2].unit, "");
}

static void ranges_inclusive(void) {
  static const struct {
    const char *key;
    double lo, hi;
  } r[] = {{"spo2", 0, 100}, {"hr", 0, 300},   {"rr", 0, 80},
           {"temp", 25, 45}, {"sbp", 40, 300}, {"dbp", 20, 200}};
  char json[128];

  for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
    snprintf(json, sizeof(json), "[{\"n\":\"%s\",\"v\":%g}]", r[i].key,
             r[i].lo);
    ASSERT_EQ(parse(json), 0);
    snprintf(json, sizeof(json), "[{\"n\":\"%s\",\"v\":%g}]", r[i].key,
             r[i].hi);
    ASSERT_EQ(parse(json), 0);
    snprintf(json, sizeof(json), "[{\"n\":\"%s\",\"v\":%g}]", r[i].key,
             r[i].lo - 0.01);
    ASSERT_EQ(parse(json), WG_EINVAL);
    ASSERT_CONTAINS(err, "outside");
    snprintf(json, sizeof(json), "[{\"n\":\"%s\",\"v\":%g}]", r[i].key,
             r[i].hi + 0.01);
    ASSERT_EQ(parse(json), WG_EINVAL);
  }
  /* The range applies after conversion: 114 degF is 45.6 Cel. */
  ASSERT_EQ(parse("[{\"n\":\"temp\",\"u\":\"degF\",\"v\":114}]"), WG_EINVAL);
}

static void base_value_and_sum(void) {
  ASSERT_EQ(parse("[{\"bn\":\"cup-1:\",\"bv\":100,\"bs\":1000,\"n\":\"sip\","
                  "\"v\":5,\"s\":20},{\"n\":\"fluid_intake\",\"u\":\"ml\","
                  "\"v\":150}]"),
            0);
  ASSERT_NEAR(out.v[0].value, 105, 1e-9);
  ASSERT_NEAR(out.v[0].sum, 1020, 1e-9);
  ASSERT(out.v[0].flags & WG_READING_HAS_SUM);
  /* bv 100 + 150 ml = 250 ml = 0.25 l */
  ASSERT_NEAR(out.v[1].value, 0.25, 1e-9);
}

static void relative_time(void) {
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60,\"t\":-60}]"), 0);
  ASSERT_NEAR(out.v[0].ts, NOW - 60, 1e-6);
  ASSERT_EQ(parse("[{\"bt\":-30,\"n\":\"hr\",\"v\":60,\"t\":-30}]"), 0);
  ASSERT_NEAR(out.v[0].ts, NOW - 60, 1e-6);
  /* 2^28 and above is absolute. */
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60,\"t\":268435456}]"), 0);
  ASSERT_NEAR(out.v[0].ts, 268435456.0, 1e-6);
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60,\"t\":268435455}]"), WG_EINVAL);
  ASSERT_CONTAINS(err, "future"); /* relative: 8.5 years ahead */
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60,\"t\":300}]"), 0);
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60,\"t\":301}]"), WG_EINVAL);
  ASSERT_EQ(parse("[{\"bt\":1763900300,\"n\":\"hr\",\"v\":60}]"), 0);
  ASSERT_EQ(parse("[{\"bt\":1763900300.5,\"n\":\"hr\",\"v\":60}]"), WG_EINVAL);
}

typedef struct reject_case_s {
  const char *json;
  int rc;
  const char *reason;
} reject_case_t;

static void rejections(void) {
  static const reject_case_t cases[] = {
      {"{\"n\":\"hr\",\"v\":1}", WG_EINVAL, "must be a JSON array"},
      {"[]", WG_EINVAL, "empty pack"},
      {"[1]", WG_EINVAL, "not an object"},
      {"[{\"n\":\"hr\",\"v\":1}] x", WG_EINVAL, "trailing bytes"},
      {"[{\"n\":\"hr\",\"v\":1}][]", WG_EINVAL, "trailing bytes"},
      {"[{\"n\":\"h\\u0000r\",\"v\":1}]", WG_EINVAL, "escaped NUL"},
      {"[{\"n\":\"hr\",\"v\":01}]", WG_EINVAL, "leading zero"},
      {"[{\"n\":\"hr\",\"v\":-01.5}]", WG_EINVAL, "leading zero"},
      {"[{\"n\":\"hr\",\"v\":1e400}]", WG_EINVAL, "number out of range"},
      {"[{\"n\":\"hr\",\"v\":-1e400}]", WG_EINVAL, "number out of range"},
      {"[{\"n\":\"hr\",\"v\":NaN}]", WG_EINVAL, "unexpected character"},
      {"[{\"n\":\"hr\",\"v\":Infinity}]", WG_EINVAL, "unexpected character"},
      {"[{\"n\":\"hr\",\"v\":1,\"v\":2}]", WG_EINVAL, "duplicate member name"},
      {"[{\"n\":\"hr\",\"n\":\"hr\",\"v\":2}]", WG_EINVAL, "duplicate"},
      {"[{\"n\":\"hr\",\"\\u0076\":1,\"v\":2}]", WG_EINVAL, "duplicate"},
      {"[{\"n\":\"hr\",\"v\":1,}]", WG_EINVAL, "expected a member name"},
      {"[{'n':\"hr\",\"v\":1}]", WG_EINVAL, "expected a member name"},
      {"[{\"n\":\"hr\xff\",\"v\":1}]", WG_EINVAL, "UTF-8"},
      {"[{\"n\":\"hr\xc0\xaf\",\"v\":1}]", WG_EINVAL, "UTF-8"},
      {"[{\"n\":\"hr\",\"v\":1}", WG_EINVAL, "unexpected end"},
      {"[{\"n\":3,\"v\":1}]", WG_EINVAL, "field \"n\" has the wrong type"},
      {"[{\"n\":\"hr\",\"v\":\"60\"}]", WG_EINVAL, "\"v\" has the wrong type"},
      {"[{\"n\":\"hr\",\"vb\":1}]", WG_EINVAL, "\"vb\" has the wrong type"},
      {"[{\"n\":\"hr\",\"v\":1,\"t\":\"now\"}]", WG_EINVAL, "wrong type"},
      {"[{\"bn\":1,\"n\":\"hr\",\"v\":1}]", WG_EINVAL, "wrong type"},
      {"[{\"n\":\"hr\",\"v\":1,\"foo_\":1}]", WG_EINVAL, "must-understand"},
      {"[{\"bver\":11,\"n\":\"hr\",\"v\":1}]", WG_EINVAL, "version"},
      {"[{\"v\":1}]", WG_EINVAL, "no name"},
      {"[{\"n\":\"-hr\",\"v\":1}]", WG_EINVAL, "invalid character in name"},
      {"[{\"n\":\"h r\",\"v\":1}]", WG_EINVAL, "invalid character in name"},
      {"[{\"n\":\"hr\",\"v\":1,\"vs\":\"x\"}]", WG_EINVAL, "more than one"},
      {"[{\"n\":\"hr\"}]", WG_EINVAL, "no value and no sum"},
      {"[{\"n\":\"spo2\",\"vs\":\"97\"}]", WG_EINVAL, "needs a numeric value"},
      {"[{\"n\":\"spo2\",\"s\":97}]", WG_EINVAL, "needs a numeric value"},
      {"[{\"n\":\"spo2\",\"u\":\"/\",\"v\":0.97}]", WG_EINVAL,
       "unit \"/\" not accepted for spo2"},
      {"[{\"n\":\"temp\",\"u\":\"degC\",\"v\":37}]", WG_EINVAL, "not accepted"},
      {"[{\"n\":\"fall\",\"v\":1}]", WG_EINVAL, "needs a boolean value"},
      {"[{\"n\":\"fall\",\"vb\":true,\"u\":\"%\"}]", WG_EINVAL, "no unit"},
      {"[{\"n\":\"acvpu\",\"vs\":\"X\"}]", WG_EINVAL, "one of A, C, V, P, U"},
      {"[{\"n\":\"acvpu\",\"vs\":\"a\"}]", WG_EINVAL, "one of A, C, V, P, U"},
      {"[{\"n\":\"acvpu\",\"v\":1}]", WG_EINVAL, "needs a string value"},
      {"[{\"n\":\"meal\",\"v\":1.5}]", WG_EINVAL, "outside"},
      {"[{\"n\":\"pic\",\"vd\":\"a+b/\"}]", WG_EINVAL, "base64url"},
      {"[{\"n\":\"hr\",\"v\":1e308,\"bv\":1e308}]", WG_EINVAL,
       "value out of range"},
      {"", WG_EINVAL, "unexpected end"},
      {"null", WG_EINVAL, "must be a JSON array"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = parse(cases[i].json);
    if (rc != cases[i].rc)
      FAIL_AT("%s: rc %d, want %d (%s)", cases[i].json, rc, cases[i].rc, err);
    if (strstr(err, cases[i].reason) == NULL)
      FAIL_AT("%s: reason \"%s\" lacks \"%s\"", cases[i].json, err,
              cases[i].reason);
    ASSERT_EQ(out.n, 0);
  }
}

/* vs and u (or bu) with a control character, C0, DEL or C1, escaped in
 * the JSON or raw where JSON allows it: refused whole, the value not
 * echoed. Printable text beyond ASCII is kept. */
static void control_characters_refused(void) {
  static const reject_case_t cases[] = {
      {"[{\"n\":\"note\",\"vs\":\"ok\\u001b[2J\"}]", WG_EINVAL,
       "control character in vs of \"note\""},
      {"[{\"n\":\"note\",\"vs\":\"a\\nb,p-002,spo2,71\"}]", WG_EINVAL,
       "control character in vs"},
      {"[{\"n\":\"note\",\"vs\":\"a\\rb\"}]", WG_EINVAL,
       "control character in vs"},
      {"[{\"n\":\"note\",\"vs\":\"tab\\there\"}]", WG_EINVAL,
       "control character in vs"},
      {"[{\"n\":\"note\",\"vs\":\"del\x7f\"}]", WG_EINVAL,
       "control character in vs"},
      {"[{\"n\":\"note\",\"vs\":\"csi\\u009b31m\"}]", WG_EINVAL,
       "control character in vs"},
      {"[{\"n\":\"note\",\"vs\":\"csi\xc2\x9b\"}]", WG_EINVAL,
       "control character in vs"},
      {"[{\"n\":\"room\",\"u\":\"Cel\\u001b]0;x\\u0007\",\"v\":20}]", WG_EINVAL,
       "control character in the unit (u or bu) of \"room\""},
      {"[{\"bu\":\"%\\n\",\"n\":\"room\",\"v\":20}]", WG_EINVAL,
       "control character in the unit"},
      {"[{\"n\":\"spo2\",\"u\":\"%\\u0000\",\"v\":97}]", WG_EINVAL, ""},
  };
  static const char printable[] =
      "[{\"n\":\"note\",\"vs\":\"caf\xc3\xa9 \xc2\xa0ok\"},"
      "{\"n\":\"room\",\"u\":\"\xc2\xb0"
      "C\",\"v\":20}]";

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = parse(cases[i].json);
    if (rc != cases[i].rc)
      FAIL_AT("%s: rc %d, want %d (%s)", cases[i].json, rc, cases[i].rc, err);
    if (strstr(err, cases[i].reason) == NULL)
      FAIL_AT("%s: reason \"%s\" lacks \"%s\"", cases[i].json, err,
              cases[i].reason);
    for (const char *c = err; *c; c++)
      if ((unsigned char)*c < 0x20)
        FAIL_AT("%s: the reason echoes a control character", cases[i].json);
    ASSERT_EQ(out.n, 0);
  }
  /* Printable text beyond ASCII is not a control character. */
  if (parse(printable) != 0)
    FAIL_AT("printable UTF-8 refused: %s", err);
  ASSERT_EQ(out.n, 2);
  ASSERT_STR_EQ(find("note", 0)->vs, "caf\xc3\xa9 \xc2\xa0ok");
  ASSERT_STR_EQ(find("room", 0)->unit, "\xc2\xb0"
                                       "C");
}

static void raw_nul_byte(void) {
  static const char json[] = "[{\"n\":\"h\0r\",\"v\":1}]";
  ASSERT_EQ(parse_len(json, sizeof(json) - 1), WG_EINVAL);
  ASSERT_CONTAINS(err, "NUL byte");
  ASSERT_EQ(parse_len("[{\"n\":\"hr\",\"v\":1}]\0", 19), WG_EINVAL);
}

/* An empty body, as libcoap and libmosquitto hand it over: no buffer. */
static void empty_body(void) {
  ASSERT_EQ(parse_len(NULL, 0), WG_EINVAL);
  ASSERT_CONTAINS(err, "unexpected end");
  ASSERT_EQ(parse_len("", 0), WG_EINVAL);
  ASSERT_CONTAINS(err, "unexpected end");
}

/* Without an exponent a number overflows only with more than 308 digits. */
static void long_numbers(void) {
  char json[1024];
  int n = snprintf(json, sizeof(json), "[{\"n\":\"x\",\"v\":");
  for (int i = 0; i < 400; i++)
    json[n++] = '9';
  strcpy(json + n, "}]");
  ASSERT_EQ(parse(json), WG_EINVAL);
  ASSERT_CONTAINS(err, "number out of range");
  /* 300 digits is a large but finite double; so is a long fraction. */
  n = snprintf(json, sizeof(json), "[{\"n\":\"x\",\"v\":");
  for (int i = 0; i < 300; i++)
    json[n++] = '9';
  strcpy(json + n, ".5}]");
  ASSERT_EQ(parse(json), 0);
  n = snprintf(json, sizeof(json), "[{\"n\":\"x\",\"v\":0.");
  for (int i = 0; i < 500; i++)
    json[n++] = '1';
  strcpy(json + n, "}]");
  ASSERT_EQ(parse(json), 0);
}

static void whole_pack_rejected(void) {
  /* A bad third record: nothing of the pack is kept. */
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60},{\"n\":\"spo2\",\"v\":97},"
                  "{\"n\":\"spo2\",\"v\":197}]"),
            WG_EINVAL);
  ASSERT_CONTAINS(err, "record 2");
  ASSERT_EQ(out.n, 0);
}

static void deep_nesting(void) {
  size_t depth = 10000, len = 2 * depth;
  char *json = malloc(len);

  for (size_t i = 0; i < depth; i++) {
    json[i] = '[';
    json[len - 1 - i] = ']';
  }
  ASSERT_EQ(parse_len(json, len), WG_EINVAL);
  ASSERT_CONTAINS(err, "nesting too deep");
  free(json);
}

static void size_limits(void) {
  size_t len = WG_SENML_MAX_BYTES + 1;
  char *big = malloc(len + 1), *p;
  int records;

  memset(big, ' ', len);
  big[0] = '[';
  memcpy(big + 1, "{\"n\":\"hr\",\"v\":1}", 16);
  big[len - 1] = ']';
  ASSERT_EQ(parse_len(big, len), WG_ETOOBIG);
  ASSERT_CONTAINS(err, "exceeds the limit");
  /* Exactly at the limit is fine. */
  ASSERT_EQ(parse_len(big + 1, len - 1) == WG_ETOOBIG, 0);

  for (records = 1000; records <= 1001; records++) {
    p = big;
    *p++ = '[';
    for (int i = 0; i < records; i++)
      p += sprintf(p, "%s{\"n\":\"x%d\",\"v\":1}", i ? "," : "", i);
    *p++ = ']';
    ASSERT_EQ(parse_len(big, (size_t)(p - big)),
              records == 1000 ? 0 : WG_ETOOBIG);
    ASSERT_EQ(out.n, records == 1000 ? 1000 : 0);
  }
  free(big);
}

static void unknown_extension_ignored(void) {
  ASSERT_EQ(parse("[{\"n\":\"hr\",\"v\":60,\"ut\":10,\"note\":{\"a\":[1]}}]"),
            0);
  ASSERT_NEAR(find("hr", 0)->value, 60, 1e-9);
}

static void readings_append(void) {
  /* Packs accumulate in one batch; a rejected pack leaves it as it was. */
  wg_readings_t batch = {0};
  wg_arena_t a = {0};
  char e[128];

  static const char good[] = "[{\"n\":\"hr\",\"v\":60}]";
  static const char bad[] = "[{\"n\":\"hr\",\"v\":600}]";

  ASSERT_EQ(wg_senml_parse(good, strlen(good), NOW, &a, &batch, e, sizeof(e)),
            0);
  ASSERT_EQ(wg_senml_parse(bad, strlen(bad), NOW, &a, &batch, e, sizeof(e)),
            WG_EINVAL);
  ASSERT_EQ(batch.n, 1);
  wg_senml_readings_free(&batch);
  wg_arena_free(&a);
}

static void cleanup(void) {
  wg_senml_readings_free(&out);
  wg_arena_free(&arena);
}

/*
 * RFC 8428 sections 4 and 5, requirement by requirement, for what a
 * receiver can check; each case cites its section. (Accepted: the
 * versions of sections 4.4 and 5.1.3, whose example uses bver 5.)
 */
static void rfc8428_requirements(void) {
  static const struct {
    const char *section, *json;
    const char *reason; /* NULL: accepted */
  } cases[] = {
      /* 4.4: one version per pack, a positive integer we understand. */
      {"4.4", "[{\"n\":\"a\",\"v\":1},{\"bver\":5,\"n\":\"b\",\"v\":2}]",
       "differs from the pack's 10"},
      {"4.4",
       "[{\"bver\":10,\"n\":\"a\",\"v\":1},{\"bver\":9,\"n\":\"b\",\"v\":2}]",
       "differs from the pack's 10"},
      {"4.4", "[{\"bver\":5,\"n\":\"a\",\"v\":1},{\"n\":\"b\",\"v\":2}]", NULL},
      {"4.4",
       "[{\"bver\":5,\"n\":\"a\",\"v\":1},{\"bver\":5,\"n\":\"b\",\"v\":2}]",
       NULL},
      {"4.4", "[{\"n\":\"a\",\"v\":1},{\"bver\":10,\"n\":\"b\",\"v\":2}]",
       NULL},
      {"4.1", "[{\"bver\":0,\"n\":\"a\",\"v\":1}]", "version"},
      {"4.1", "[{\"bver\":1.5,\"n\":\"a\",\"v\":1}]", "version"},
      {"4.1", "[{\"bver\":-10,\"n\":\"a\",\"v\":1}]", "version"},
      /* 4.4: a label ending in '_' must be understood, base ones too. */
      {"4.4", "[{\"bx_\":1,\"n\":\"a\",\"v\":1}]", "must-understand"},
      {"4.4", "[{\"bx\":1,\"n\":\"a\",\"v\":1}]", NULL},
      /* 4.5.1: the resolved name, bn + n, is checked whole. */
      {"4.5.1", "[{\"bn\":\"a b:\",\"n\":\"c\",\"v\":1}]",
       "invalid character in name"},
      {"4.5.1", "[{\"bn\":\"-a:\",\"n\":\"c\",\"v\":1}]",
       "invalid character in name"},
      {"4.5.1", "[{\"bn\":\"a:\",\"n\":\"-c\",\"v\":1}]", NULL},
      /* 4.2, 5: each field's JSON type. */
      {"5", "[{\"bt\":\"1\",\"n\":\"a\",\"v\":1}]",
       "\"bt\" has the wrong type"},
      {"5", "[{\"bu\":1,\"n\":\"a\",\"v\":1}]", "\"bu\" has the wrong type"},
      {"5", "[{\"bv\":true,\"n\":\"a\",\"v\":1}]", "\"bv\" has the wrong type"},
      {"5", "[{\"bs\":\"1\",\"n\":\"a\",\"v\":1}]",
       "\"bs\" has the wrong type"},
      {"5", "[{\"n\":\"a\",\"u\":1,\"v\":1}]", "\"u\" has the wrong type"},
      {"5", "[{\"n\":\"a\",\"s\":\"1\"}]", "\"s\" has the wrong type"},
      {"5", "[{\"n\":\"a\",\"vs\":1}]", "\"vs\" has the wrong type"},
      {"5", "[{\"n\":\"a\",\"vd\":1}]", "\"vd\" has the wrong type"},
      {"5", "[{\"n\":\"a\",\"v\":1,\"ut\":\"60\"}]",
       "\"ut\" has the wrong type"},
      {"5", "[{\"n\":\"a\",\"v\":null}]", "\"v\" has the wrong type"},
      /* 4.3 with RFC 4648 section 5: base64url, unpadded, a possible
       * length. */
      {"4.3", "[{\"n\":\"pic\",\"vd\":\"A\"}]", "base64url"},
      {"4.3", "[{\"n\":\"pic\",\"vd\":\"AAAAA\"}]", "base64url"},
      {"4.3", "[{\"n\":\"pic\",\"vd\":\"AA==\"}]", "base64url"},
      {"4.3", "[{\"n\":\"pic\",\"vd\":\"AA\"}]", NULL},
      {"4.3", "[{\"n\":\"pic\",\"vd\":\"\"}]", NULL},
      /* 4.2: exactly one value field, unless there is a sum. */
      {"4.2", "[{\"n\":\"a\",\"vb\":true,\"vd\":\"AA\"}]", "more than one"},
      {"4.2", "[{\"n\":\"a\",\"s\":1}]", NULL},
      /* A sum of temperatures in degF has no Cel equivalent. */
      {"4.5.2", "[{\"n\":\"temp\",\"u\":\"degF\",\"v\":98.6,\"s\":1000}]",
       "cannot be converted"},
      {"4.5.2", "[{\"n\":\"temp\",\"u\":\"K\",\"v\":310.15}]", NULL},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = parse(cases[i].json);
    if (cases[i].reason == NULL && rc != 0)
      FAIL_AT("RFC 8428 %s: %s refused: %s", cases[i].section, cases[i].json,
              err);
    if (cases[i].reason != NULL &&
        (rc != WG_EINVAL || strstr(err, cases[i].reason) == NULL))
      FAIL_AT("RFC 8428 %s: %s: rc %d, \"%s\", want \"%s\"", cases[i].section,
              cases[i].json, rc, err, cases[i].reason);
  }
}

TEST_MAIN(T(rfc_single_datapoint), T(rfc_multiple_datapoints),
          T(rfc_multiple_measurements), T(rfc_multiple_types_of_measurement),
          T(rfc_collection_of_resources), T(rfc_multiple_data_types),
          T(known_keys_by_last_segment), T(unit_conversions), T(value_kinds),
          T(ranges_inclusive), T(base_value_and_sum), T(relative_time),
          T(rejections), T(control_characters_refused), T(raw_nul_byte),
          T(empty_body), T(long_numbers), T(whole_pack_rejected),
          T(deep_nesting), T(size_limits), T(unknown_extension_ignored),
          T(rfc8428_requirements), T(readings_append), T(cleanup))
