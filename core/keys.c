/* keys.c - CURVE key files (see keys.h). Z85 is ZeroMQ RFC 32. */
#include "core/keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

/* RFC 32's alphabet: digit values 0 to 84 in this order */
static const char s_z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            ".-:+=^!/*?&<>()[]{}@%$#";

static int s_z85_value(char c)
{
    const char *p = c ? strchr(s_z85, c) : NULL;
    return p ? (int)(p - s_z85) : -1;
}

int dse_key_z85_decode(const char *s, uint8_t out[32])
{
    if (strlen(s) != DSE_KEY_Z85_LEN)
        return DSE_EINVAL;
    for (size_t g = 0; g < 8; g++) {
        uint64_t v = 0;
        for (size_t i = 0; i < 5; i++) {
            int d = s_z85_value(s[g * 5 + i]);
            if (d < 0)
                return DSE_EINVAL;
            v = v * 85 + (uint64_t)d;
        }
        if (v > 0xffffffffu)
            return DSE_EINVAL;
        for (size_t i = 0; i < 4; i++)
            out[g * 4 + i] = (uint8_t)(v >> (24 - 8 * i));
    }
    return 0;
}

int dse_key_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > DSE_KEY_NAME_MAX || s[0] == '.')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------- parsing */

static int s_space(char c)
{
    return c == ' ' || c == '\t';
}

/* One line of a key file (l, n bytes, without its end): blank, a comment,
 * or `KEY = "VALUE"`. have[] marks the keys seen. */
static int s_parse_line(const char *l, size_t n, int line, const char *path, dse_key_t *key,
                        int have[3], dse_error_t *err)
{
    static const char *const names[3] = {"name", "public-key", "secret-key"};
    size_t i = 0;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)l[k] < 0x20 ? l[k] != '\t' : (unsigned char)l[k] >= 0x7f)
            return dse_error_set(err, DSE_EPARSE, path, line, (int)k + 1,
                                 "a character that has no place in a key file (byte 0x%02x)",
                                 (unsigned char)l[k]);
    while (i < n && s_space(l[i]))
        i++;
    if (i == n || l[i] == '#')
        return 0;
    size_t k0 = i;
    while (i < n && !s_space(l[i]) && l[i] != '=')
        i++;
    size_t klen = i - k0;
    int which = -1;
    for (int w = 0; w < 3; w++)
        if (strlen(names[w]) == klen && memcmp(l + k0, names[w], klen) == 0)
            which = w;
    if (which < 0)
        return dse_error_set(err, DSE_EPARSE, path, line, (int)k0 + 1,
                             "unknown key '%.*s' (a key file holds name, public-key and "
                             "secret-key)", (int)(klen > 40 ? 40 : klen), l + k0);
    if (have[which])
        return dse_error_set(err, DSE_EPARSE, path, line, (int)k0 + 1, "%s given twice",
                             names[which]);
    have[which] = 1;
    while (i < n && s_space(l[i]))
        i++;
    if (i == n || l[i] != '=')
        return dse_error_set(err, DSE_EPARSE, path, line, (int)i + 1, "expected '=' after %s",
                             names[which]);
    i++;
    while (i < n && s_space(l[i]))
        i++;
    if (i == n || l[i] != '"')
        return dse_error_set(err, DSE_EPARSE, path, line, (int)i + 1,
                             "expected a quoted string after '%s ='", names[which]);
    size_t v0 = ++i;
    while (i < n && l[i] != '"')
        i++;
    if (i == n)
        return dse_error_set(err, DSE_EPARSE, path, line, (int)v0, "unterminated string");
    size_t vlen = i - v0;
    i++;
    while (i < n && s_space(l[i]))
        i++;
    if (i < n && l[i] != '#')
        return dse_error_set(err, DSE_EPARSE, path, line, (int)i + 1,
                             "unexpected text after the value of %s", names[which]);
    char val[DSE_KEY_NAME_MAX + 2];
    if (which == 0) {
        if (vlen > DSE_KEY_NAME_MAX)
            return dse_error_set(err, DSE_EINVAL, path, line, (int)v0 + 1,
                                 "name longer than %d characters", DSE_KEY_NAME_MAX);
        memcpy(val, l + v0, vlen);
        val[vlen] = '\0';
        if (!dse_key_name_ok(val))
            return dse_error_set(err, DSE_EINVAL, path, line, (int)v0 + 1,
                                 "name '%s': use 1 to 64 of A-Z a-z 0-9 . _ - (not starting "
                                 "with '.')", val);
        memcpy(key->name, val, vlen + 1);
        return 0;
    }
    uint8_t bin[32];
    if (vlen != DSE_KEY_Z85_LEN)
        return dse_error_set(err, DSE_EINVAL, path, line, (int)v0 + 1,
                             "%s has %zu characters: a CURVE key in Z85 has 40", names[which],
                             vlen);
    memcpy(val, l + v0, vlen);
    val[vlen] = '\0';
    if (dse_key_z85_decode(val, bin) != 0)
        return dse_error_set(err, DSE_EINVAL, path, line, (int)v0 + 1,
                             "%s is not a Z85 key (characters outside Z85's alphabet, or a "
                             "group past 32 bits)", names[which]);
    if (which == 1) {
        memcpy(key->public_z85, val, vlen + 1);
        memcpy(key->public_bin, bin, 32);
    } else {
        memcpy(key->secret_z85, val, vlen + 1);
    }
    return 0;
}

int dse_key_parse(const char *text, size_t len, const char *path, dse_key_t *key,
                  dse_error_t *err)
{
    memset(key, 0, sizeof *key);
    if (len > DSE_KEY_FILE_MAX)
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "larger than %d bytes: not a key file", DSE_KEY_FILE_MAX);
    int have[3] = {0, 0, 0};
    size_t pos = 0;
    for (int line = 1; pos < len; line++) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t e = end > pos && text[end - 1] == '\r' ? end - 1 : end;
        int rc = s_parse_line(text + pos, e - pos, line, path, key, have, err);
        if (rc) {
            memset(key, 0, sizeof *key);
            return rc;
        }
        pos = end + 1;
    }
    if (!have[1])
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "no public-key line: not a key file written by dse-keygen");
    if (have[2]) {
        char derived[DSE_KEY_Z85_LEN + 1];
        if (zmq_curve_public(derived, key->secret_z85) != 0)
            return dse_error_set(err, DSE_ENOTSUP, path, 0, 0,
                                 "cannot check the key pair: this libzmq has no CURVE (%s)",
                                 zmq_strerror(zmq_errno()));
        if (strcmp(derived, key->public_z85) != 0) {
            memset(key, 0, sizeof *key);
            return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                                 "public-key is not the public key of secret-key: the file "
                                 "was edited or mixes two pairs");
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- generation */

int dse_key_generate(const char *name, dse_key_t *key, dse_error_t *err)
{
    memset(key, 0, sizeof *key);
    if (!dse_key_name_ok(name))
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                             "key name '%s': use 1 to 64 of A-Z a-z 0-9 . _ - (not starting "
                             "with '.')", name);
    if (!zmq_has("curve") || zmq_curve_keypair(key->public_z85, key->secret_z85) != 0)
        return dse_error_set(err, DSE_ENOTSUP, NULL, 0, 0,
                             "this libzmq was built without CURVE (libsodium)");
    snprintf(key->name, sizeof key->name, "%s", name);
    dse_key_z85_decode(key->public_z85, key->public_bin);
    return 0;
}

void dse_key_format(const dse_key_t *key, int secret, dse_strbuf_t *out)
{
    const char *name = key->name[0] ? key->name : "unnamed";
    if (secret)
        dse_strbuf_addf(out,
                        "# dse CURVE key pair '%s', written by dse-keygen.\n"
                        "# SECRET: keep it on this host, readable by you alone (mode 0600).\n"
                        "# Give %s.pub, never this file, to a coordinator's operator.\n",
                        name, name);
    else
        dse_strbuf_addf(out,
                        "# dse CURVE public key '%s', written by dse-keygen.\n"
                        "# A coordinator (--keys DIR) accepts it from DIR/allowed/workers/ or\n"
                        "# DIR/allowed/clients/; workers and clients use a coordinator's\n"
                        "# .pub with --coordinator-key.\n",
                        name);
    if (key->name[0])
        dse_strbuf_addf(out, "name = \"%s\"\n", key->name);
    dse_strbuf_addf(out, "public-key = \"%s\"\n", key->public_z85);
    if (secret)
        dse_strbuf_addf(out, "secret-key = \"%s\"\n", key->secret_z85);
}

/* Writes text whole to a fresh temporary file beside path (its name in
 * tmp, of size 4200), with mode, fsynced. */
static int s_write_tmp(const char *path, const char *text, size_t len, mode_t mode, char *tmp,
                       dse_error_t *err)
{
    if (snprintf(tmp, 4200, "%s.XXXXXX", path) >= 4200)
        return dse_error_set(err, DSE_EINVAL, path, 0, 0, "path too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot create a file beside it: %s",
                             strerror(errno));
    int rc = fchmod(fd, mode);
    const char *p = text;
    size_t left = len;
    while (rc == 0 && left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (rc == 0)
        rc = fsync(fd);
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        unlink(tmp);
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot write: %s", strerror(e));
    }
    return 0;
}

/* Puts the temporary file at path: a link, which fails if path exists, or
 * with force a rename over it. The temporary name is gone either way. */
static int s_commit(const char *tmp, const char *path, int force, dse_error_t *err)
{
    int rc = force ? rename(tmp, path) : link(tmp, path);
    int e = errno;
    unlink(tmp);
    if (rc != 0)
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot write: %s%s", strerror(e),
                             e == EEXIST ? " (give --force to replace it)" : "");
    return 0;
}

int dse_key_write_pair(const char *base, const dse_key_t *key, int force, dse_error_t *err)
{
    char kpath[4096], ppath[4096];
    if (snprintf(kpath, sizeof kpath, "%s.key", base) >= (int)sizeof kpath ||
        snprintf(ppath, sizeof ppath, "%s.pub", base) >= (int)sizeof ppath)
        return dse_error_set(err, DSE_EINVAL, base, 0, 0, "path too long");
    struct stat st;
    if (!force) {
        /* nothing is written when either exists */
        if (lstat(kpath, &st) == 0)
            return dse_error_set(err, DSE_EIO, kpath, 0, 0,
                                 "already exists (give --force to replace it and %s)", ppath);
        if (lstat(ppath, &st) == 0)
            return dse_error_set(err, DSE_EIO, ppath, 0, 0,
                                 "already exists (give --force to replace it and %s)", kpath);
    }
    dse_strbuf_t sk = DSE_STRBUF_INIT, pk = DSE_STRBUF_INIT;
    dse_key_format(key, 1, &sk);
    dse_key_format(key, 0, &pk);
    /* both files written whole before either takes its name, so a full disk
     * replaces nothing */
    char ktmp[4200], ptmp[4200];
    int rc = s_write_tmp(kpath, sk.buf, sk.len, 0600, ktmp, err);
    if (rc == 0) {
        rc = s_write_tmp(ppath, pk.buf, pk.len, 0644, ptmp, err);
        if (rc != 0)
            unlink(ktmp);
    }
    if (rc == 0) {
        rc = s_commit(ktmp, kpath, force, err);
        if (rc != 0)
            unlink(ptmp);
    }
    if (rc == 0) {
        rc = s_commit(ptmp, ppath, force, err);
        if (rc != 0 && !force)
            unlink(kpath); /* not half a pair */
    }
    memset(sk.buf, 0, sk.len);
    dse_strbuf_release(&sk);
    dse_strbuf_release(&pk);
    return rc;
}

/* ------------------------------------------------------------------- loading */

/* Opens and reads a key file: regular, at most DSE_KEY_FILE_MAX bytes;
 * secret files must not be accessible by group or others, public files
 * (in allow-lists) not writable by them. nofollow refuses a symbolic link. */
static int s_read_key(const char *path, int secret, int nofollow, dse_key_t *key,
                      dse_error_t *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return dse_error_set(err, DSE_EIO, path, 0, 0, "cannot open the key file: %s%s",
                             strerror(errno), errno == ELOOP && nofollow ?
                             " (a symbolic link: copy the .pub file here instead)" : "");
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = dse_error_set(err, DSE_EIO, path, 0, 0, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = dse_error_set(err, DSE_EINVAL, path, 0, 0, "not a regular file");
    } else if (st.st_size > DSE_KEY_FILE_MAX) {
        rc = dse_error_set(err, DSE_EINVAL, path, 0, 0,
                           "%lld bytes: a key file has at most %d", (long long)st.st_size,
                           DSE_KEY_FILE_MAX);
    } else if (!secret && (st.st_mode & 022)) {
        rc = dse_error_set(err, DSE_EINVAL, path, 0, 0,
                           "writable by group or others (mode %03o): anyone could put "
                           "their key here; chmod go-w it",
                           (unsigned)(st.st_mode & 0777));
    } else if (st.st_uid != geteuid() && st.st_uid != 0) {
        rc = dse_error_set(err, DSE_EINVAL, path, 0, 0,
                           "owned by user %u, neither you nor root", (unsigned)st.st_uid);
    }
    if (rc) {
        close(fd);
        return rc;
    }
    char buf[DSE_KEY_FILE_MAX + 1];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = dse_error_set(err, DSE_EIO, path, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == sizeof buf)
            break;
    }
    close(fd);
    if (rc == 0)
        rc = dse_key_parse(buf, len, path, key, err);
    memset(buf, 0, sizeof buf);
    if (rc)
        return rc;
    if (secret && !key->secret_z85[0])
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "holds no secret-key: give the NAME.key file dse-keygen wrote, "
                             "not NAME.pub");
    if (secret && (st.st_mode & 077)) {
        memset(key, 0, sizeof *key);
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "a secret key accessible by group or others (mode %03o): "
                             "chmod 600 it, and make a new pair if others may have read it",
                             (unsigned)(st.st_mode & 0777));
    }
    if (!secret && key->secret_z85[0]) {
        memset(key, 0, sizeof *key);
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "holds a secret key: public keys only here (give NAME.pub, and "
                             "make a new pair, as this secret has been copied)");
    }
    return 0;
}

int dse_key_load_secret(const char *path, dse_key_t *key, dse_error_t *err)
{
    return s_read_key(path, 1, 0, key, err);
}

int dse_key_load_public(const char *path, dse_key_t *key, dse_error_t *err)
{
    return s_read_key(path, 0, 0, key, err);
}

int dse_key_check_dir(const char *path, dse_error_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dse_error_set(err, DSE_EINVAL, path, 0, 0, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return dse_error_set(err, DSE_EINVAL, path, 0, 0, "not a folder");
    if (st.st_mode & 022)
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "writable by group or others (mode %03o): anyone could add their "
                             "key; chmod go-w it", (unsigned)(st.st_mode & 0777));
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return dse_error_set(err, DSE_EINVAL, path, 0, 0,
                             "owned by user %u, neither you nor root", (unsigned)st.st_uid);
    return 0;
}

static int s_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dse_keylist_load(const char *dir, dse_keylist_t *list, dse_error_t *err)
{
    memset(list, 0, sizeof *list);
    snprintf(list->dir, sizeof list->dir, "%s", dir);
    int rc = dse_key_check_dir(dir, err);
    if (rc)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return dse_error_set(err, DSE_EIO, dir, 0, 0, "cannot read the folder: %s",
                             strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == 100000) {
            rc = dse_error_set(err, DSE_EINVAL, dir, 0, 0, "more than 100,000 files");
            break;
        }
        names = dse_xgrow(names, sizeof *names, n + 1, &cap);
        names[n++] = dse_xstrdup(de->d_name);
    }
    closedir(d);
    /* in name order, so the first bad file named is the same every time */
    if (n)
        qsort(names, n, sizeof *names, s_cmp_names);
    list->keys = dse_xcalloc(n ? n : 1, sizeof *list->keys);
    list->ids = dse_xcalloc(n ? n : 1, sizeof *list->ids);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len = strlen(names[i]);
        char id[DSE_KEY_NAME_MAX + 8];
        if (len < 5 || strcmp(names[i] + len - 4, ".pub") != 0 || len - 4 > DSE_KEY_NAME_MAX) {
            rc = dse_error_set(err, DSE_EINVAL, path, 0, 0,
                               "not a NAME.pub file: an allow-list folder holds only the .pub "
                               "files of dse-keygen (NAME of up to %d of A-Z a-z 0-9 . _ -)%s",
                               DSE_KEY_NAME_MAX, len > 4 && strcmp(names[i] + len - 4, ".key")
                               == 0 ? "; this looks like a secret key: remove it, and make a "
                               "new pair, as this secret has been copied" : "");
            break;
        }
        snprintf(id, sizeof id, "%.*s", (int)(len - 4), names[i]);
        if (!dse_key_name_ok(id)) {
            rc = dse_error_set(err, DSE_EINVAL, path, 0, 0,
                               "file name: NAME in NAME.pub takes A-Z a-z 0-9 . _ - (not "
                               "starting with '.')");
            break;
        }
        rc = s_read_key(path, 0, 1, &list->keys[list->n], err);
        if (rc)
            break;
        memcpy(list->ids[list->n], id, len - 4 + 1); /* len - 4 <= DSE_KEY_NAME_MAX */
        list->n++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc)
        dse_keylist_release(list);
    return rc;
}

long dse_keylist_find(const dse_keylist_t *list, const uint8_t key[32])
{
    for (size_t i = 0; i < list->n; i++)
        if (memcmp(list->keys[i].public_bin, key, 32) == 0)
            return (long)i;
    return -1;
}

void dse_keylist_release(dse_keylist_t *list)
{
    free(list->keys);
    free(list->ids);
    char dir[sizeof list->dir];
    memcpy(dir, list->dir, sizeof dir);
    memset(list, 0, sizeof *list);
    memcpy(list->dir, dir, sizeof dir);
}
