/* test_keys.c - CURVE key files: Z85, the parser's errors at their line and
 * column, writing pairs, loading with permission checks, allow-lists, and
 * the ZAP handler's roles on ipc:// sockets (bounded waits). */
#include "core/auth.h"
#include "core/keys.h"
#include "core/transport.h"
#include "core/util.h"
#include "tests/test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static void s_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

DSE_TEST(keys_z85)
{
    /* RFC 32's test vector, four times over */
    static const uint8_t hello[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    uint8_t out[32];
    CHECK_INT(dse_key_z85_decode("HelloWorldHelloWorldHelloWorldHelloWorld", out), 0);
    for (int i = 0; i < 4; i++)
        CHECK(memcmp(out + 8 * i, hello, 8) == 0);
    /* round trips through libzmq's encoder */
    for (int k = 0; k < 200; k++) {
        uint8_t in[32];
        for (int i = 0; i < 32; i++)
            in[i] = (uint8_t)(rand() & 0xff);
        char z[41];
        CHECK(zmq_z85_encode(z, in, 32) != NULL);
        CHECK_INT(dse_key_z85_decode(z, out), 0);
        CHECK(memcmp(in, out, 32) == 0);
    }
    CHECK_INT(dse_key_z85_decode("HelloWorld", out), DSE_EINVAL);               /* length */
    CHECK_INT(dse_key_z85_decode("HelloWorldHelloWorldHelloWorldHelloWorl\"", out), DSE_EINVAL);
    CHECK_INT(dse_key_z85_decode("#####HelloWorldHelloWorldHelloWorldHello", out), DSE_EINVAL);
    CHECK(dse_key_name_ok("worker-b_1.x"));
    CHECK(!dse_key_name_ok(".hidden"));
    CHECK(!dse_key_name_ok("a/b"));
    CHECK(!dse_key_name_ok(""));
}

/* parse text; expect rc and, for errors, "line:col: ..." containing want */
static void s_parse_err(const char *text, int line, int col, const char *want)
{
    dse_key_t k;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_key_parse(text, strlen(text), "k.pub", &k, &err);
    if (rc == 0 || err.line != line || err.col != col || !strstr(err.msg, want))
        dse__test_fail(__FILE__, __LINE__, "parsing [%s]: rc %d at %d:%d '%s', expected %d:%d "
                       "'%s'", text, rc, err.line, err.col, err.msg, line, col, want);
}

DSE_TEST(keys_parse)
{
    dse_key_t pair;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_key_generate("w1", &pair, &err), 0);
    char text[1024];
    snprintf(text, sizeof text, "# a comment\r\n\n  name = \"w1\"  # trailing\r\npublic-key=\"%s\"\n"
             "\tsecret-key = \"%s\"", pair.public_z85, pair.secret_z85);
    dse_key_t k;
    CHECK_INT(dse_key_parse(text, strlen(text), "w1.key", &k, &err), 0);
    CHECK_STR(k.name, "w1");
    CHECK_STR(k.public_z85, pair.public_z85);
    CHECK_STR(k.secret_z85, pair.secret_z85);
    CHECK(memcmp(k.public_bin, pair.public_bin, 32) == 0);
    /* what dse-keygen writes reads back */
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_key_format(&pair, 0, &sb);
    CHECK_INT(dse_key_parse(sb.buf, sb.len, "w1.pub", &k, &err), 0);
    CHECK_STR(k.secret_z85, "");
    CHECK_STR(k.public_z85, pair.public_z85);
    dse_strbuf_release(&sb);

    char pub[128];
    snprintf(pub, sizeof pub, "public-key = \"%s\"\n", pair.public_z85);
    char buf[6000];
    s_parse_err("colour = \"red\"\n", 1, 1, "unknown key 'colour'");
    snprintf(buf, sizeof buf, "%s%s", pub, pub);
    s_parse_err(buf, 2, 1, "public-key given twice");
    s_parse_err("name \"x\"\n", 1, 6, "expected '=' after name");
    s_parse_err("name = x\n", 1, 8, "expected a quoted string");
    s_parse_err("name = \"x\n", 1, 8, "unterminated string");
    s_parse_err("name = \"x\" y\n", 1, 12, "unexpected text after the value of name");
    s_parse_err("public-key = \"abc\"\n", 1, 15, "public-key has 3 characters");
    s_parse_err("public-key = \"~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\"\n", 1, 15,
                "not a Z85 key");
    s_parse_err("\nname = \"a\x01\"\n", 2, 10, "byte 0x01");
    s_parse_err("name = \"caf\xc3\xa9\"\n", 1, 12, "byte 0xc3");
    s_parse_err("name = \"a/b\"\n", 1, 9, "name 'a/b'");
    /* metadata beyond 512 bytes overflows zauth's buffer: names stop at 64 */
    memset(buf, 0, sizeof buf);
    strcpy(buf, "name = \"");
    memset(buf + 8, 'a', 600);
    strcat(buf, "\"\n");
    s_parse_err(buf, 1, 9, "name longer than 64 characters");
    s_parse_err("# nothing\n", 0, 0, "no public-key line");
    memset(buf, '#', 5000);
    buf[5000] = '\0';
    s_parse_err(buf, 0, 0, "larger than 4096 bytes");
    /* a pair whose halves do not belong together */
    dse_key_t other;
    CHECK_INT(dse_key_generate("w2", &other, &err), 0);
    snprintf(text, sizeof text, "public-key = \"%s\"\nsecret-key = \"%s\"\n", pair.public_z85,
             other.secret_z85);
    s_parse_err(text, 0, 0, "is not the public key of secret-key");
    CHECK_INT(dse_key_generate("bad/name", &other, &err), DSE_EINVAL);
}

DSE_TEST(keys_files)
{
    char base[600], path[700];
    snprintf(base, sizeof base, "%s/keys_files", dse_test_tmpdir());
    mkdir(base, 0755);
    snprintf(base, sizeof base, "%s/keys_files/w1", dse_test_tmpdir());
    dse_key_t pair, k;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_key_generate("w1", &pair, &err), 0);
    CHECK_INT(dse_key_write_pair(base, &pair, 0, &err), 0);
    struct stat st;
    snprintf(path, sizeof path, "%s.key", base);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(dse_key_load_secret(path, &k, &err), 0);
    CHECK_STR(k.secret_z85, pair.secret_z85);
    CHECK_INT(dse_key_load_public(path, &k, &err), DSE_EINVAL);   /* a secret as public */
    CHECK(strstr(err.msg, "holds a secret key") != NULL);
    snprintf(path, sizeof path, "%s.pub", base);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_INT(dse_key_load_public(path, &k, &err), 0);
    CHECK_STR(k.public_z85, pair.public_z85);
    CHECK_INT(dse_key_load_secret(path, &k, &err), DSE_EINVAL);   /* a public as secret */
    CHECK(strstr(err.msg, "holds no secret-key") != NULL);

    /* no overwrite without force, and nothing half-written */
    dse_key_t pair2;
    CHECK_INT(dse_key_generate("w1", &pair2, &err), 0);
    CHECK_INT(dse_key_write_pair(base, &pair2, 0, &err), DSE_EIO);
    CHECK(strstr(err.msg, "already exists") != NULL);
    snprintf(path, sizeof path, "%s.key", base);
    CHECK_INT(dse_key_load_secret(path, &k, &err), 0);
    CHECK_STR(k.secret_z85, pair.secret_z85);
    CHECK_INT(dse_key_write_pair(base, &pair2, 1, &err), 0);
    CHECK_INT(dse_key_load_secret(path, &k, &err), 0);
    CHECK_STR(k.secret_z85, pair2.secret_z85);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

    /* a secret others can read, a folder, a missing file */
    chmod(path, 0640);
    CHECK_INT(dse_key_load_secret(path, &k, &err), DSE_EINVAL);
    CHECK(strstr(err.msg, "accessible by group or others (mode 640)") != NULL);
    CHECK_STR(err.file, path);
    CHECK_INT(dse_key_load_secret(dse_test_tmpdir(), &k, &err), DSE_EINVAL);
    CHECK(strstr(err.msg, "not a regular file") != NULL);
    snprintf(path, sizeof path, "%s.nope", base);
    CHECK_INT(dse_key_load_public(path, &k, &err), DSE_EIO);
}

DSE_TEST(keys_allowlist)
{
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/keys_allow", dse_test_tmpdir());
    mkdir(dir, 0755);
    chmod(dir, 0755);
    dse_keylist_t l = DSE_KEYLIST_INIT;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_keylist_load(dir, &l, &err), 0); /* empty */
    CHECK_INT(l.n, 0);
    dse_keylist_release(&l);
    dse_key_t a, b;
    CHECK_INT(dse_key_generate("a", &a, &err), 0);
    CHECK_INT(dse_key_generate("b", &b, &err), 0);
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_key_format(&a, 0, &sb);
    snprintf(path, sizeof path, "%s/alice.pub", dir);
    s_write(path, sb.buf, 0644);
    dse_strbuf_release(&sb);
    dse_key_format(&b, 0, &sb);
    snprintf(path, sizeof path, "%s/bob.pub", dir);
    s_write(path, sb.buf, 0600);
    dse_strbuf_release(&sb);
    CHECK_INT(dse_keylist_load(dir, &l, &err), 0);
    CHECK_INT(l.n, 2);
    long i = dse_keylist_find(&l, b.public_bin);
    CHECK(i >= 0);
    if (i >= 0)
        CHECK_STR(l.ids[i], "bob");
    dse_key_t c;
    CHECK_INT(dse_key_generate("c", &c, &err), 0);
    CHECK_INT(dse_keylist_find(&l, c.public_bin), -1);
    dse_keylist_release(&l);

    /* anything else in the folder is refused, naming it */
    snprintf(path, sizeof path, "%s/README", dir);
    s_write(path, "hello\n", 0644);
    CHECK_INT(dse_keylist_load(dir, &l, &err), DSE_EINVAL);
    CHECK_STR(err.file, path);
    CHECK_INT(l.n, 0);
    unlink(path);
    snprintf(path, sizeof path, "%s/bob.pub", dir);
    chmod(path, 0664);
    CHECK_INT(dse_keylist_load(dir, &l, &err), DSE_EINVAL);
    CHECK_STR(err.file, path);
    CHECK(strstr(err.msg, "writable by group or others") != NULL);
    chmod(path, 0644);
    snprintf(path, sizeof path, "%s/link.pub", dir);
    CHECK(symlink("alice.pub", path) == 0);
    CHECK_INT(dse_keylist_load(dir, &l, &err), DSE_EIO);
    CHECK(strstr(err.msg, "symbolic link") != NULL);
    unlink(path);
    chmod(dir, 0775);
    CHECK_INT(dse_keylist_load(dir, &l, &err), DSE_EINVAL);
    CHECK_STR(err.file, dir);
    CHECK(strstr(err.msg, "mode 775") != NULL);
    chmod(dir, 0755);
    CHECK_INT(dse_keylist_load(dir, &l, &err), 0);
    CHECK_INT(l.n, 2);
    dse_keylist_release(&l);
    snprintf(path, sizeof path, "%s/missing", dir);
    CHECK_INT(dse_keylist_load(path, &l, &err), DSE_EINVAL);
}

/* waits up to ms for a message on sock */
static int s_readable(zsock_t *sock, int ms)
{
    zpoller_t *p = zpoller_new(sock, NULL);
    void *r = zpoller_wait(p, ms);
    zpoller_destroy(&p);
    return r != NULL;
}

static void s_pair(const char *dir, const char *name, dse_key_t *k)
{
    char base[700];
    dse_error_t err = DSE_ERROR_INIT;
    snprintf(base, sizeof base, "%s/%s", dir, name);
    CHECK_INT(dse_key_generate(strrchr(name, '/') ? strrchr(name, '/') + 1 : name, k, &err), 0);
    CHECK_INT(dse_key_write_pair(base, k, 0, &err), 0);
}

DSE_TEST(keys_roles)
{
    char dir[600], sub[700], ep_w[700], ep_c[700];
    snprintf(dir, sizeof dir, "%s/keys_roles", dse_test_tmpdir());
    mkdir(dir, 0755);
    snprintf(sub, sizeof sub, "%s/allowed", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof sub, "%s/allowed/workers", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof sub, "%s/allowed/clients", dir);
    mkdir(sub, 0755);
    dse_key_t coord, w1, c1;
    s_pair(dir, "coordinator", &coord);
    s_pair(dir, "allowed/workers/w1", &w1);
    s_pair(dir, "allowed/clients/c1", &c1);
    dse_error_t err = DSE_ERROR_INIT;
    /* a secret key among the allowed ones: refused, nothing started */
    CHECK(dse_auth_new(dir, "test", 0, &err) == NULL);
    CHECK(strstr(err.msg, "not a NAME.pub file") != NULL);
    char path[800];
    snprintf(path, sizeof path, "%s/allowed/workers/w1.key", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/allowed/clients/c1.key", dir);
    unlink(path);
    dse_auth_t *auth = dse_auth_new(dir, "test", 0, &err);
    CHECK(auth != NULL);
    if (!auth) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT(dse_auth_allowed(auth, DSE_ROLE_WORKER), 1);
    CHECK_INT(dse_auth_allowed(auth, DSE_ROLE_CLIENT), 1);
    zsock_t *ws = zsock_new(ZMQ_ROUTER), *cs = zsock_new(ZMQ_ROUTER);
    dse_auth_server(auth, ws, DSE_ROLE_WORKER);
    dse_auth_server(auth, cs, DSE_ROLE_CLIENT);
    snprintf(ep_w, sizeof ep_w, "ipc://%s/w.ipc", dir);
    snprintf(ep_c, sizeof ep_c, "ipc://%s/c.ipc", dir);
    CHECK(zsock_bind(ws, "%s", ep_w) == 0);
    CHECK(zsock_bind(cs, "%s", ep_c) == 0);

    dse_curve_client_t cw, cc;
    char kw[800], kc[800], kp[800];
    snprintf(kw, sizeof kw, "%s/allowed/workers/w1.key", dir);
    snprintf(kp, sizeof kp, "%s/coordinator.pub", dir);
    /* the keys were removed from allowed/: write them again elsewhere */
    snprintf(kw, sizeof kw, "%s/w1", dir);
    CHECK_INT(dse_key_write_pair(kw, &w1, 0, &err), 0);
    snprintf(kw, sizeof kw, "%s/w1.key", dir);
    snprintf(kc, sizeof kc, "%s/c1", dir);
    CHECK_INT(dse_key_write_pair(kc, &c1, 0, &err), 0);
    snprintf(kc, sizeof kc, "%s/c1.key", dir);
    CHECK_INT(dse_curve_client_load(&cw, kw, kp, &err), 0);
    CHECK_INT(dse_curve_client_load(&cc, kc, kp, &err), 0);

    /* the worker's key on the worker socket: heard, as "worker:w1" */
    zsock_t *d1 = zsock_new(ZMQ_DEALER);
    dse_curve_client_apply(&cw, d1);
    CHECK(zsock_connect(d1, "%s", ep_w) == 0);
    dse_msg_view_t m = {.cmd = DSE_MSG_HEARTBEAT};
    CHECK_INT(dse_msg_send(d1, NULL, &m), 0);
    CHECK(s_readable(ws, 5000));
    dse_peer_t peer;
    dse_msg_t got;
    CHECK_INT(dse_msg_recv_as(ws, "worker:", &peer, &got, &err), 0);
    CHECK_INT(got.cmd, DSE_MSG_HEARTBEAT);
    dse_msg_release(&got);
    CHECK_STR(peer.user, "worker:w1");
    /* heard on a socket serving the other role: a protocol error naming it */
    CHECK_INT(dse_msg_send(d1, NULL, &m), 0);
    CHECK(s_readable(ws, 5000));
    CHECK_INT(dse_msg_recv_as(ws, "client:", &peer, &got, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "authenticated as 'worker:w1'") != NULL);

    /* the worker's key on the client socket: refused by the handler, and the
     * connecting side sees why */
    zsock_t *d2 = zsock_new(ZMQ_DEALER);
    zsock_set_sndtimeo(d2, 0);
    dse_curve_client_apply(&cw, d2);
    dse_handshake_watch_t *watch = dse_handshake_watch_new(d2);
    CHECK(watch != NULL);
    CHECK(zsock_connect(d2, "%s", ep_c) == 0);
    dse_msg_send(d2, NULL, &m);
    CHECK(!s_readable(cs, 1000));
    char why[1200] = "";
    int hs = 0;
    for (int i = 0; i < 50 && !hs; i++) {
        zclock_sleep(20);
        hs = dse_handshake_watch_failed(watch, "client", &cw, why, sizeof why);
    }
    CHECK_INT(hs, 2);
    CHECK(strstr(why, "refused this client's key 'w1'") != NULL);
    CHECK(dse_auth_refused(auth) >= 1);
    dse_handshake_watch_destroy(&watch);
    zsock_destroy(&d2);

    /* the client's key on the client socket: heard */
    zsock_t *d3 = zsock_new(ZMQ_DEALER);
    dse_curve_client_apply(&cc, d3);
    CHECK(zsock_connect(d3, "%s", ep_c) == 0);
    CHECK_INT(dse_msg_send(d3, NULL, &m), 0);
    CHECK(s_readable(cs, 5000));
    CHECK_INT(dse_msg_recv_as(cs, "client:", &peer, &got, &err), 0);
    dse_msg_release(&got);
    zsock_destroy(&d3);

    /* a banned key (a quarantined worker) is refused on a new connection */
    dse_auth_ban(auth, "worker:w1");
    uint64_t before = dse_auth_refused(auth);
    zsock_t *d4 = zsock_new(ZMQ_DEALER);
    zsock_set_sndtimeo(d4, 0);
    dse_curve_client_apply(&cw, d4);
    CHECK(zsock_connect(d4, "%s", ep_w) == 0);
    dse_msg_send(d4, NULL, &m);
    CHECK(!s_readable(ws, 1000));
    CHECK(dse_auth_refused(auth) > before);
    zsock_destroy(&d4);
    zsock_destroy(&d1);
    zsock_destroy(&ws);
    zsock_destroy(&cs);
    dse_auth_destroy(&auth);
    CHECK(auth == NULL);
}
