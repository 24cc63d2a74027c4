/* SPDX-License-Identifier: MIT */
/* The hub's desired configuration (core/config_remote.c) and the canonical
 * form it is signed in (common/jcs.c). */
#include <sys/stat.h>
#include <unistd.h>

#include "common/jcs.h"
#include "core/config_remote.h"
#include "failalloc.h"
#include "hub/ack.h"
#include "test.h"
#include "testcfg.h"
#include "wardgate/error.h"

#define NOW 1800000000.0
static const char key[] = "0123456789abcdef0123456789abcdef";
static char keyfile[64];

/* A gateway with remote_config and the key above. */
static wg_config_t *remote_base(void) {
  char json[1024];
  FILE *f;

  snprintf(keyfile, sizeof(keyfile), "/tmp/wg-test-remote-%d.key",
           (int)getpid());
  f = fopen(keyfile, "w");
  fputs(key, f);
  fputs("\n", f);
  fclose(f);
  chmod(keyfile, 0600);
  snprintf(json, sizeof(json),
           "{\"gateway_id\":\"gw-1\",\"database\":\":memory:\","
           "\"remote_config\":true,\"ingest\":{\"mqtt\":{}},"
           "\"uplink\":{\"mqtt\":{},\"ack_key_file\":\"%s\"},"
           "\"routes\":[{\"name\":\"ward\"}],"
           "\"patients\":[{\"id\":\"p-1\",\"devices\":[\"fall-1\"]}]}",
           keyfile);
  return test_config(json);
}

/* @doc (no sig) signed with @k: malloc'd text. */
static char *sign_with(const char *doc, const char *k) {
  cJSON *o = cJSON_Parse(doc);
  char canon[8192], sig[WG_ACK_SIG_CHARS + 1], *text;
  size_t len;

  if (o == NULL || wg_jcs(o, "sig", canon, sizeof(canon), &len, NULL) != 0 ||
      wg_ack_sign_text(k, strlen(k), canon, len, sig) != 0)
    return NULL;
  cJSON_AddStringToObject(o, "sig", sig);
  text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

static void jcs_numbers(void) {
  static const struct {
    double d;
    const char *want;
  } cases[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1, "-1"},
      {100, "100"},
      {4.5, "4.5"},
      {0.25, "0.25"},
      {1.5, "1.5"},
      {0.002, "0.002"},
      {0.000001, "0.000001"},
      {1e-7, "1e-7"},
      {1e-27, "1e-27"},
      {1e30, "1e+30"},
      {1e21, "1e+21"},
      {123456789012345680000.0, "123456789012345680000"},
      {333333333.33333329, "333333333.3333333"},
      {9007199254740992.0, "9007199254740992"},
      {-9007199254740992.0, "-9007199254740992"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.1, "0.1"},
      {1763900000, "1763900000"},
      {-1.5e-10, "-1.5e-10"},
  };
  char out[32];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t n = wg_jcs_number(cases[i].d, out);
    ASSERT_STR_EQ(out, cases[i].want);
    ASSERT_EQ(n, strlen(cases[i].want));
  }
}

/* RFC 8785 section 3.2.3's sorting, and its example of 3.2.2 (arrays,
 * literals, numbers, string escapes), at depth. */
static void jcs_rfc8785_examples(void) {
  static const char sorting[] =
      "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":"
      "\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":"
      "\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":"
      "\"Latin Small Letter O With Diaeresis\"}";
  static const char values[] =
      "{\"numbers\":[333333333.33333329,1E30,4.50,2e-3,"
      "0.000000000000000000000000001],\"string\":\"\\u20ac$\\u000F\\u000aA'"
      "\\u0042\\u0022\\u005c\\\\\\\"\\/\",\"literals\":[null,true,false],"
      "\"sig\":\"gone\"}";
  char out[1024];
  size_t len;
  cJSON *o = cJSON_Parse(sorting);
  const char *why = NULL;

  ASSERT_EQ(wg_jcs(o, NULL, out, sizeof(out), &len, &why), 0);
  cJSON_Delete(o);
  ASSERT_STR_EQ(out, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":"
                     "\"Control\",\"\xc3\xb6\":\"Latin Small Letter O With "
                     "Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f"
                     "\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":"
                     "\"Hebrew Letter Dalet With Dagesh\"}");
  o = cJSON_Parse(values);
  ASSERT_EQ(wg_jcs(o, "sig", out, sizeof(out), &len, &why), 0);
  ASSERT_STR_EQ(out, "{\"literals\":[null,true,false],\"numbers\":[333333333."
                     "3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac"
                     "$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  ASSERT_EQ(len, strlen(out));
  /* Too small a buffer: WG_ETOOBIG, never a cut text. */
  ASSERT_EQ(wg_jcs(o, "sig", out, 20, &len, &why), WG_ETOOBIG);
  cJSON_Delete(o);
}

/* On an ack's flat shape the general form is the ack's own. */
static void jcs_agrees_with_ack(void) {
  static const char *const acks[] = {
      "{\"id\":\"gw-0001-000042\",\"by\":\"nurse-jones\",\"outcome\":\"visit\","
      "\"note\":\"Community nurse to visit at 16:00\",\"ts\":1763900000}",
      "{\"ts\":-5,\"by\":\"Dr "
      "\\u00d6z\\n\",\"id\":\"a\",\"x\":null,\"y\":true}",
  };
  char a[1024], b[1024];
  size_t la, lb;
  const char *why;

  for (size_t i = 0; i < sizeof(acks) / sizeof(acks[0]); i++) {
    cJSON *o = cJSON_Parse(acks[i]);
    ASSERT_EQ(wg_ack_canonical(o, a, sizeof(a), &la, &why), 0);
    ASSERT_EQ(wg_jcs(o, "sig", b, sizeof(b), &lb, &why), 0);
    ASSERT_STR_EQ(a, b);
    cJSON_Delete(o);
  }
}

static void desired_applied(void) {
  wg_config_t *base = remote_base(), *cfg = NULL;
  char *doc = sign_with(
      "{\"version\":7,\"ts\":1800000000,\"by\":\"dr-khan\",\"gateway\":"
      "\"gw-1\",\"patients\":[{\"id\":\"p-2\",\"devices\":[\"fall-2\"],"
      "\"news2\":{\"scale\":2},\"intake\":[{\"name\":\"fluid_intake\","
      "\"daily_target\":1.5,\"checkpoints\":{\"12:00\":0.25}}]}]}",
      key);
  char why[512];
  wg_desired_t d;

  ASSERT(base != NULL && doc != NULL);
  ASSERT(base->remote_config);
  ASSERT_EQ(
      wg_desired_open(&d, base, doc, strlen(doc), NOW, true, why, sizeof(why)),
      0);
  ASSERT_EQ(d.version, 7);
  ASSERT_STR_EQ(d.by, "dr-khan");
  ASSERT_EQ(wg_desired_check(&d, base, 0, &cfg, why, sizeof(why)), 0);
  ASSERT_EQ(cfg->config_version, 7);
  ASSERT_EQ(cfg->npatients, 1);
  ASSERT_STR_EQ(cfg->patients[0].id, "p-2");
  ASSERT_EQ(cfg->patients[0].news2_scale, 2);
  /* Everything else is the file's, borrowed. */
  ASSERT(cfg->routes == base->routes);
  ASSERT(cfg->gateway_id == base->gateway_id);
  wg_desired_close(&d);
  wg_config_free(cfg);
  wg_config_free(base);
  free(doc);
}

/* Each refused with its reason; nothing is built. */
static void desired_refused(void) {
  static const struct {
    const char *doc;
    bool sign; /* with the key */
    int rc;
    int64_t version;
    const char *why;
  } cases[] = {
      {"{\"version\":2,\"ts\":1800000000,\"patients\":[],\"sig\":\"x\"}", false,
       WG_EAUTH, 2, "\"sig\" is not 43 characters of base64url"},
      {"{\"version\":2,\"ts\":1800000000,\"patients\":[]}", false, WG_EAUTH, 2,
       "unsigned (no \"sig\")"},
      {"{\"version\":0,\"ts\":1800000000,\"patients\":[]}", true, WG_EINVAL, 0,
       "version: must be a whole number from 1 to 2^53"},
      {"{\"version\":1.5,\"ts\":1800000000,\"patients\":[]}", true, WG_EINVAL,
       0, "version: must be"},
      {"{\"version\":2,\"ts\":1800000000.5,\"patients\":[]}", true, WG_EINVAL,
       2, "ts: must be whole Unix seconds"},
      {"{\"version\":2,\"ts\":1800000000,\"patients\":{}}", true, WG_EINVAL, 2,
       "patients: required, an array"},
      {"{\"version\":2,\"ts\":1800000000,\"patients\":[],\"extra\":1}", true,
       WG_EINVAL, 2, "extra: unknown key"},
      {"{\"version\":2,\"ts\":1800000000,\"patients\":[],\"gateway\":\"gw-2\"}",
       true, WG_EINVAL, 2, "gateway: meant for another gateway than gw-1"},
      {"{\"version\":2,\"ts\":1800000000,\"patients\":[],\"by\":\"a\\u0007\"}",
       true, WG_EINVAL, 2, "by: holds a control character"},
      {"{\"version\":2,\"ts\":1800000301,\"patients\":[]}", true, WG_EAUTH, 2,
       "stale: \"ts\" 1800000301 is 301 s ahead"},
      /* Nothing of a forged document is read past its version. */
      {"{\"version\":2,\"ts\":1,\"patients\":[],\"k\\u000aey\":1}", false,
       WG_EAUTH, 2, "unsigned (no \"sig\")"},
      {"[1]", false, WG_EINVAL, 0, "must be an object"},
      {"{\"version\":2,\"version\":3}", false, WG_EINVAL, 0,
       "not JSON: duplicate"},
      {"{\"version\":01}", false, WG_EINVAL, 0, "not JSON: "},
  };
  wg_config_t *base = remote_base();
  char why[512];

  ASSERT(base != NULL);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *doc =
        cases[i].sign ? sign_with(cases[i].doc, key) : strdup(cases[i].doc);
    wg_desired_t d;
    ASSERT(doc != NULL);
    ASSERT_EQ(wg_desired_open(&d, base, doc, strlen(doc), NOW, true, why,
                              sizeof(why)),
              cases[i].rc);
    ASSERT_EQ(d.version, cases[i].version);
    ASSERT_CONTAINS(why, cases[i].why);
    wg_desired_close(&d);
    free(doc);
  }
  wg_config_free(base);
}

/* Another key, or a changed document: a bad signature. */
static void desired_forged(void) {
  wg_config_t *base = remote_base();
  const char *text = "{\"version\":2,\"ts\":1800000000,\"patients\":[{\"id\":"
                     "\"p-1\",\"devices\":[\"fall-1\"]}]}";
  char *other = sign_with(text, "another key, 16 bytes or more");
  char *good = sign_with(text, key), *changed = strdup(good), *p, why[256];
  wg_desired_t d;

  ASSERT(other && good && changed && (p = strstr(changed, "fall-1")) != NULL);
  p[5] = '9';
  ASSERT_EQ(wg_desired_open(&d, base, other, strlen(other), NOW, true, why,
                            sizeof(why)),
            WG_EAUTH);
  ASSERT_STR_EQ(why, "bad signature");
  wg_desired_close(&d);
  ASSERT_EQ(wg_desired_open(&d, base, changed, strlen(changed), NOW, true, why,
                            sizeof(why)),
            WG_EAUTH);
  ASSERT_STR_EQ(why, "bad signature");
  wg_desired_close(&d);
  /* Unverified (a version read back from the store), it opens. */
  ASSERT_EQ(wg_desired_open(&d, base, changed, strlen(changed), NOW, false, why,
                            sizeof(why)),
            0);
  wg_desired_close(&d);
  free(other);
  free(good);
  free(changed);
  wg_config_free(base);
}

/* The file's checker, every problem with its key path, joined; and a
 * document signed before the version in effect is stale. */
static void desired_checker(void) {
  wg_config_t *base = remote_base(), *cfg = NULL;
  char *doc = sign_with(
      "{\"version\":3,\"ts\":1800000000,\"patients\":[{\"id\":\"p-1\","
      "\"devices\":[\"fall-1\"]},{\"id\":\"p-2\",\"devices\":[\"fall-1\"],"
      "\"news2\":{\"scale\":3},\"tresholds\":[]}]}",
      key);
  char why[WG_DESIRED_WHY_MAX];
  wg_desired_t d;

  ASSERT_EQ(
      wg_desired_open(&d, base, doc, strlen(doc), NOW, true, why, sizeof(why)),
      0);
  ASSERT_EQ(wg_desired_check(&d, base, 0, &cfg, why, sizeof(why)), WG_EINVAL);
  ASSERT(cfg == NULL);
  ASSERT_CONTAINS(why, "patients[1].tresholds: unknown key");
  ASSERT_CONTAINS(why, "; patients[1].news2.scale: ");
  ASSERT_CONTAINS(why, "patients[1].devices[0]: \"fall-1\" is also "
                       "patients[0].devices[0]");
  ASSERT_EQ(wg_desired_check(&d, base, 1800000001, &cfg, why, sizeof(why)),
            WG_EAUTH);
  ASSERT_CONTAINS(why, "stale: \"ts\" 1800000000 is older than that of the "
                       "configuration in effect (1800000001)");
  wg_desired_close(&d);
  free(doc);
  wg_config_free(base);
}

static void keep_line(void *ud, const char *line) {
  snprintf(ud, 512, "%s", line);
}

/* remote_config without a key: --check-config refuses it. */
static void remote_config_needs_key(void) {
  char path[64], line[512] = "";
  wg_config_t *cfg = NULL;
  FILE *f;

  snprintf(path, sizeof(path), "/tmp/wg-test-remote-%d.json", (int)getpid());
  f = fopen(path, "w");
  fputs("{\"gateway_id\":\"gw-1\",\"remote_config\":true,\"ingest\":{\"mqtt\":"
        "{}},\"uplink\":{\"mqtt\":{}},\"patients\":[]}",
        f);
  fclose(f);
  ASSERT_EQ(wg_config_load(path, &cfg, keep_line, line), WG_EINVAL);
  ASSERT_CONTAINS(line, "remote_config: needs uplink.ack_key_file: an "
                        "unsigned remote configuration is refused");
  f = fopen(path, "w");
  fputs("{\"gateway_id\":\"gw-1\",\"remote_config\":1,\"ingest\":{\"mqtt\":"
        "{}},\"uplink\":{\"mqtt\":{}},\"patients\":[]}",
        f);
  fclose(f);
  ASSERT_EQ(wg_config_load(path, &cfg, keep_line, line), WG_EINVAL);
  ASSERT_CONTAINS(line, "remote_config: must be true or false");
  unlink(path);
}

static char *build_report(void *data) {
  (void)data;
  return wg_desired_report(3, "refused",
                           "patients[1].devices[0]: \"fall-1\" is also "
                           "patients[0].devices[0]",
                           1800000000.5, 2);
}

/* config/reported whole or not at all, whichever allocation fails. */
static void report_whole(void) {
  char *text = build_report(NULL);

  ASSERT_STR_EQ(text, "{\"version\":3,\"result\":\"refused\",\"description\":"
                      "\"patients[1].devices[0]: \\\"fall-1\\\" is also "
                      "patients[0].devices[0]\",\"ts\":1800000000.5,"
                      "\"running\":2}");
  free(text);
  ASSERT(failalloc_every(build_report, NULL) >= 5);
}

static void cleanup(void) { unlink(keyfile); }

TEST_MAIN(T(jcs_numbers), T(jcs_rfc8785_examples), T(jcs_agrees_with_ack),
          T(desired_applied), T(desired_refused), T(desired_forged),
          T(desired_checker), T(remote_config_needs_key), T(report_whole),
          T(cleanup))
