/* keys.h - CURVE key files: their format, generation, loading and the
 * coordinator's allow-lists.
 *
 * A key file is a few lines of TOML (a strict subset, read by this module
 * alone):
 *
 *     # comments and blank lines anywhere
 *     name = "worker-b"                      1 to 64 of A-Z a-z 0-9 . _ -
 *     public-key = "<40 Z85 characters>"     required
 *     secret-key = "<40 Z85 characters>"     in NAME.key only
 *
 * Nothing else: an unknown key, a repeated key, another kind of value or a
 * file over DSE_KEY_FILE_MAX bytes is an error at its line and column. A
 * secret key's public key must be the one derived from it.
 *
 * `dse-keygen NAME` writes NAME.key (the pair, mode 0600) and NAME.pub
 * (the public key). The coordinator's folder (`--keys DIR`) holds:
 *
 *     DIR/coordinator.key            its own pair
 *     DIR/allowed/workers/NAME.pub   the workers it accepts
 *     DIR/allowed/clients/NAME.pub   the dse-run users it accepts
 *
 * Folders writable by group or others, files that are not regular, a secret
 * key readable by group or others, or a secret key among the allowed public
 * keys are refused, naming the file.
 */
#ifndef DSE_KEYS_H
#define DSE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/util.h"

#define DSE_KEY_Z85_LEN 40
#define DSE_KEY_NAME_MAX 64
#define DSE_KEY_FILE_MAX 4096

typedef struct {
    char name[DSE_KEY_NAME_MAX + 1];       /* "" when the file has none */
    char public_z85[DSE_KEY_Z85_LEN + 1];
    char secret_z85[DSE_KEY_Z85_LEN + 1];  /* "" in a public key file */
    uint8_t public_bin[32];
} dse_key_t;

/* 1 when s is a valid key name (1 to 64 of A-Z a-z 0-9 . _ -, not starting
 * with '.'). */
int dse_key_name_ok(const char *s);

/* Decodes a 40-character Z85 key into 32 bytes. 0, or DSE_EINVAL when s is
 * not 40 characters of the Z85 alphabet or a group overflows 32 bits. */
int dse_key_z85_decode(const char *s, uint8_t out[32]);

/* Parses a key file's text (len bytes; path names it in errors). Returns 0
 * with key filled, or DSE_EPARSE / DSE_EINVAL with err at the line and
 * column. */
int dse_key_parse(const char *text, size_t len, const char *path, dse_key_t *key,
                  dse_error_t *err);

/* A new key pair named name (which must pass dse_key_name_ok). 0, or
 * DSE_ENOTSUP when libzmq was built without CURVE. */
int dse_key_generate(const char *name, dse_key_t *key, dse_error_t *err);

/* The text of the key file: with the secret key (NAME.key) or without it
 * (NAME.pub). Appended to out. */
void dse_key_format(const dse_key_t *key, int secret, dse_strbuf_t *out);

/* Writes base.key (mode 0600) and base.pub (mode 0644), each written whole
 * under a temporary name first. Without force an existing base.key or
 * base.pub is an error and nothing is written; with force both are
 * replaced. 0 or DSE_EIO / DSE_EINVAL with err naming the path. */
int dse_key_write_pair(const char *base, const dse_key_t *key, int force, dse_error_t *err);

/* Loads a secret key file (NAME.key): a regular file of at most
 * DSE_KEY_FILE_MAX bytes, not readable or writable by group or others,
 * holding both keys. 0 or an error naming path. */
int dse_key_load_secret(const char *path, dse_key_t *key, dse_error_t *err);

/* Loads a public key file (NAME.pub): a regular file of at most
 * DSE_KEY_FILE_MAX bytes holding a public key and no secret key. */
int dse_key_load_public(const char *path, dse_key_t *key, dse_error_t *err);

/* Refuses (DSE_EINVAL, naming the path) a folder that is missing, not a
 * folder, writable by group or others, or owned by someone other than this
 * user or root. */
int dse_key_check_dir(const char *path, dse_error_t *err);

/* The allowed public keys of one role: every NAME.pub in one folder. */
typedef struct {
    dse_key_t *keys;
    char (*ids)[DSE_KEY_NAME_MAX + 1]; /* NAME of NAME.pub, per key */
    size_t n;
    char dir[512];
} dse_keylist_t;

#define DSE_KEYLIST_INIT {NULL, NULL, 0, ""}

/* Loads every file of dir (which dse_key_check_dir must accept) into list.
 * Every entry must be a regular NAME.pub file (NAME passing
 * dse_key_name_ok), not writable by group or others, of at most
 * DSE_KEY_FILE_MAX bytes, holding one valid public key and no secret key;
 * at most 100,000 files. The first file that is not is an error naming it,
 * and list is left empty. */
int dse_keylist_load(const char *dir, dse_keylist_t *list, dse_error_t *err);
/* The index of the key whose 32 bytes are key, or -1. */
long dse_keylist_find(const dse_keylist_t *list, const uint8_t key[32]);
void dse_keylist_release(dse_keylist_t *list);

#endif
