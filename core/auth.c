/* auth.c - the coordinator's ZAP handler and CURVE for workers and clients
 * (see auth.h). ZAP is ZeroMQ RFC 27. */
#include "core/auth.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

static const char *const s_domains[2] = {"dse-workers", "dse-clients"};
static const char *const s_role_names[2] = {"worker", "client"};
static const char *const s_prefixes[2] = {"worker:", "client:"};

const char *dse_role_user_prefix(dse_role_t role)
{
    return s_prefixes[role];
}

struct dse_auth {
    dse_key_t own;
    dse_keylist_t allowed[2]; /* per role */
    char log_prefix[64];
    int verbose;
    atomic_ullong refused;
    int started;              /* the handler bound its endpoint */
    zactor_t *actor;
    unsigned monitors;        /* server sockets watched so far */
    pthread_mutex_t mu;       /* guards banned */
    char (*banned)[80];       /* User-Ids refused from now on */
    size_t n_banned, cap_banned;
};

static int s_is_banned(dse_auth_t *a, const char *user)
{
    pthread_mutex_lock(&a->mu);
    int hit = 0;
    for (size_t i = 0; i < a->n_banned && !hit; i++)
        hit = strcmp(a->banned[i], user) == 0;
    pthread_mutex_unlock(&a->mu);
    return hit;
}

void dse_auth_ban(dse_auth_t *a, const char *user)
{
    if (!user[0] || s_is_banned(a, user))
        return;
    pthread_mutex_lock(&a->mu);
    a->banned = dse_xgrow(a->banned, sizeof *a->banned, a->n_banned + 1, &a->cap_banned);
    snprintf(a->banned[a->n_banned++], sizeof *a->banned, "%s", user);
    pthread_mutex_unlock(&a->mu);
}

static void s_log(const dse_auth_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_log(const dse_auth_t *a, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one write, so lines from the handler's thread do not interleave */
    fprintf(stderr, "%s: %s\n", a->log_prefix, line);
}

/* The role a ZAP domain names, or -1. */
static int s_role_of(const char *domain, size_t len)
{
    for (int r = 0; r < 2; r++)
        if (strlen(s_domains[r]) == len && memcmp(domain, s_domains[r], len) == 0)
            return r;
    return -1;
}

static void s_refuse_log(dse_auth_t *a, int role, const char *addr, const uint8_t *key)
{
    unsigned long long n = atomic_fetch_add(&a->refused, 1) + 1;
    /* the first in full, then now and then: a peer retrying cannot flood */
    if (n > 20 && n % 100 != 0)
        return;
    char z85[DSE_KEY_Z85_LEN + 1] = "?";
    if (key)
        zmq_z85_encode(z85, key, 32);
    const char *what = role >= 0 ? s_role_names[role] : "unknown-role";
    long other = -1;
    if (key && role >= 0)
        other = dse_keylist_find(&a->allowed[1 - role], key);
    if (other >= 0)
        s_log(a, "refused a %s connection from %s: key %s is a %s's (%s/%s.pub), not a %s's "
                 "(%llu refused so far)", what, addr, z85, s_role_names[1 - role],
              a->allowed[1 - role].dir, a->allowed[1 - role].ids[other], what, n);
    else if (key && role >= 0)
        s_log(a, "refused a %s connection from %s: key %s is not in %s/ (%llu refused so far)",
              what, addr, z85, a->allowed[role].dir, n);
    else
        s_log(a, "refused a connection from %s: not a CURVE handshake for a known role "
                 "(%llu refused so far)", addr, n);
}

/* Answers one ZAP request (RFC 27): version, id, domain, address, identity,
 * mechanism, credentials; the reply: version, id, status, text, user id,
 * metadata. */
static void s_zap_answer(dse_auth_t *a, zsock_t *handler)
{
    zmsg_t *req = zmsg_recv(handler);
    if (!req)
        return;
    size_t nf = zmsg_size(req);
    zframe_t *f[7] = {NULL};
    f[0] = zmsg_first(req);
    for (size_t i = 1; i < 7 && i < nf; i++)
        f[i] = zmsg_next(req);
    char addr[64] = "?";
    if (nf >= 4)
        snprintf(addr, sizeof addr, "%.*s", (int)(zframe_size(f[3]) < 60 ? zframe_size(f[3]) : 60),
                 (const char *)zframe_data(f[3]));
    int role = nf >= 3 ? s_role_of((const char *)zframe_data(f[2]), zframe_size(f[2])) : -1;
    int curve = nf == 7 && zframe_size(f[5]) == 5 && memcmp(zframe_data(f[5]), "CURVE", 5) == 0 &&
                zframe_size(f[6]) == 32;
    const uint8_t *key = curve ? zframe_data(f[6]) : NULL;
    long idx = role >= 0 && key ? dse_keylist_find(&a->allowed[role], key) : -1;
    char user[DSE_KEY_NAME_MAX + 16] = "";
    if (idx >= 0)
        snprintf(user, sizeof user, "%s%s", s_prefixes[role], a->allowed[role].ids[idx]);
    if (idx >= 0 && s_is_banned(a, user)) {
        unsigned long long n = atomic_fetch_add(&a->refused, 1) + 1;
        if (n <= 20 || n % 100 == 0)
            s_log(a, "refused %s '%s' (%s/%s.pub) from %s: quarantined for results the model "
                     "disagrees with, until this coordinator restarts (%llu refused so far)",
                  s_role_names[role], a->allowed[role].ids[idx], a->allowed[role].dir,
                  a->allowed[role].ids[idx], addr, n);
        idx = -1;
        user[0] = '\0';
    } else if (idx >= 0) {
        if (a->verbose)
            s_log(a, "accepted %s '%s' (%s/%s.pub) from %s", s_role_names[role],
                  a->allowed[role].ids[idx], a->allowed[role].dir, a->allowed[role].ids[idx],
                  addr);
    } else if (key) {
        s_refuse_log(a, role, addr, key);
    } else if (!curve) {
        s_refuse_log(a, role, addr, NULL);
    }
    zmsg_t *rep = zmsg_new();
    zmsg_addstr(rep, "1.0");
    if (nf >= 2)
        zmsg_addmem(rep, zframe_data(f[1]), zframe_size(f[1]));
    else
        zmsg_addstr(rep, "");
    zmsg_addstr(rep, idx >= 0 ? "200" : "400");
    zmsg_addstr(rep, idx >= 0 ? "OK" : "key not allowed for this role");
    zmsg_addstr(rep, user);
    zmsg_addmem(rep, "", 0);
    zmsg_destroy(&req);
    zmsg_send(&rep, handler);
}

/* A handshake that failed before any key reached the handler: a peer
 * without CURVE, or one whose --coordinator-key is wrong. The monitor
 * names only the local endpoint. */
static void s_monitor_event(dse_auth_t *a, zsock_t *mon, int role)
{
    zmsg_t *m = zmsg_recv(mon);
    zframe_t *head = m ? zmsg_first(m) : NULL;
    if (!head || zframe_size(head) != 6) {
        zmsg_destroy(&m);
        return;
    }
    uint16_t ev;
    uint32_t val;
    memcpy(&ev, zframe_data(head), 2);
    memcpy(&val, zframe_data(head) + 2, 4);
    zmsg_destroy(&m);
    if (ev != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && ev != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        return;
    unsigned long long n = atomic_fetch_add(&a->refused, 1) + 1;
    if (n > 20 && n % 100 != 0)
        return;
    const char *what = s_role_names[role];
    if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        s_log(a, "a %s connection closed during its handshake (%s): a peer without CURVE, or "
                 "with a wrong --coordinator-key? (%llu refused so far)", what,
              strerror((int)val), n);
    else if (val == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        s_log(a, "refused a %s connection: the peer does not use CURVE (a %s without --key "
                 "and --coordinator-key?) (%llu refused so far)", what,
              role == 0 ? "dse-worker" : "dse-run", n);
    else if (val == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
        s_log(a, "refused a %s connection: its handshake does not decrypt with this "
                 "coordinator's key (a wrong --coordinator-key?) (%llu refused so far)", what, n);
    else
        s_log(a, "refused a %s connection: handshake protocol error 0x%x (%llu refused so far)",
              what, (unsigned)val, n);
}

static void s_zap_actor(zsock_t *pipe, void *arg)
{
    dse_auth_t *a = arg;
    zsock_t *mons[2] = {NULL, NULL}; /* per role: the server socket's handshakes */
    zsock_t *handler = zsock_new(ZMQ_REP);
    if (handler && zsock_bind(handler, S_ZAP_ENDPOINT) == 0)
        a->started = 1;
    zsock_signal(pipe, 0);
    if (!a->started) {
        zsock_destroy(&handler);
        return;
    }
    zpoller_t *poller = zpoller_new(pipe, handler, NULL);
    for (;;) {
        void *which = zpoller_wait(poller, -1);
        if (which == handler) {
            s_zap_answer(a, handler);
        } else if (which && (which == mons[0] || which == mons[1])) {
            s_monitor_event(a, which, which == mons[1]);
        } else if (which == pipe) {
            char *cmd = NULL, *ep = NULL, *role = NULL;
            if (zstr_recvx(pipe, &cmd, &ep, &role, NULL) < 0 || !cmd ||
                strcmp(cmd, "$TERM") == 0) {
                zstr_free(&cmd);
                zstr_free(&ep);
                zstr_free(&role);
                break;
            }
            /* MONITOR endpoint role: watch a server socket's handshakes */
            int r = role && role[0] == '1';
            if (strcmp(cmd, "MONITOR") == 0 && ep && !mons[r]) {
                mons[r] = zsock_new(ZMQ_PAIR);
                if (zsock_connect(mons[r], "%s", ep) == 0)
                    zpoller_add(poller, mons[r]);
                else
                    zsock_destroy(&mons[r]);
            }
            zsock_signal(pipe, 0);
            zstr_free(&cmd);
            zstr_free(&ep);
            zstr_free(&role);
        } else if (zpoller_terminated(poller)) {
            break;
        }
    }
    zpoller_destroy(&poller);
    zsock_destroy(&mons[0]);
    zsock_destroy(&mons[1]);
    zsock_destroy(&handler);
}

dse_auth_t *dse_auth_new(const char *dir, const char *log_prefix, int verbose, dse_error_t *err)
{
    if (!zmq_has("curve")) {
        dse_error_set(err, DSE_ENOTSUP, NULL, 0, 0,
                      "--keys: this libzmq was built without CURVE (libsodium)");
        return NULL;
    }
    dse_auth_t *a = dse_xcalloc(1, sizeof *a);
    snprintf(a->log_prefix, sizeof a->log_prefix, "%s", log_prefix);
    a->verbose = verbose;
    atomic_init(&a->refused, 0);
    pthread_mutex_init(&a->mu, NULL);
    char path[1200];
    int rc = dse_key_check_dir(dir, err);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/coordinator.key", dir);
        rc = dse_key_load_secret(path, &a->own, err);
        if (rc == DSE_EIO && err && strstr(err->msg, "No such file"))
            snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
                     " (make the coordinator's pair with dse-keygen %s/coordinator)", dir);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/allowed", dir);
        rc = dse_key_check_dir(path, err);
        if (rc && err && strstr(err->msg, "No such file"))
            snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
                     " (make %s/workers and %s/clients, with the .pub files of the workers "
                     "and dse-run users to accept)", path, path);
    }
    for (int r = 0; r < 2 && rc == 0; r++) {
        snprintf(path, sizeof path, "%s/allowed/%ss", dir, s_role_names[r]);
        rc = dse_keylist_load(path, &a->allowed[r], err);
        if (rc && err && strcmp(err->file, path) == 0 && strstr(err->msg, "No such file"))
            snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
                     " (make it, mode 755 or stricter, with the .pub files of the %ss to "
                     "accept; it may be empty)", s_role_names[r]);
    }
    if (rc == 0) {
        a->actor = zactor_new(s_zap_actor, a);
        if (!a->started) {
            zactor_destroy(&a->actor);
            dse_error_set(err, DSE_EIO, NULL, 0, 0,
                          "cannot start the ZAP handler (" S_ZAP_ENDPOINT "): another one runs "
                          "in this process");
            rc = DSE_EIO;
        }
    }
    if (rc) {
        dse_auth_destroy(&a);
        return NULL;
    }
    return a;
}

void dse_auth_server(dse_auth_t *a, zsock_t *sock, dse_role_t role)
{
    zsock_set_zap_domain(sock, s_domains[role]);
    zsock_set_curve_server(sock, 1);
    zsock_set_curve_publickey(sock, a->own.public_z85);
    zsock_set_curve_secretkey(sock, a->own.secret_z85);
    /* the handler's thread also logs handshakes that fail before ZAP (no
     * CURVE, a wrong coordinator key); it connects before we bind */
    char ep[96];
    snprintf(ep, sizeof ep, "inproc://dse-auth-monitor-%p-%u", (void *)a, a->monitors++);
    if (zmq_socket_monitor(zsock_resolve(sock), ep, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                                        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0) {
        zstr_sendx(a->actor, "MONITOR", ep, role == DSE_ROLE_CLIENT ? "1" : "0", NULL);
        zsock_wait(a->actor);
    }
}

size_t dse_auth_allowed(const dse_auth_t *a, dse_role_t role)
{
    return a->allowed[role].n;
}

uint64_t dse_auth_refused(dse_auth_t *a)
{
    return atomic_load(&a->refused);
}

void dse_auth_destroy(dse_auth_t **a_p)
{
    if (!a_p || !*a_p)
        return;
    dse_auth_t *a = *a_p;
    zactor_destroy(&a->actor);
    dse_keylist_release(&a->allowed[0]);
    dse_keylist_release(&a->allowed[1]);
    free(a->banned);
    pthread_mutex_destroy(&a->mu);
    memset(&a->own, 0, sizeof a->own);
    free(a);
    *a_p = NULL;
}

/* -------------------------------------------------------------------- clients */

int dse_curve_client_load(dse_curve_client_t *cc, const char *key_file,
                          const char *server_key_file, dse_error_t *err)
{
    memset(cc, 0, sizeof *cc);
    if (!zmq_has("curve"))
        return dse_error_set(err, DSE_ENOTSUP, NULL, 0, 0,
                             "--key: this libzmq was built without CURVE (libsodium)");
    int rc = dse_key_load_secret(key_file, &cc->own, err);
    if (rc == 0)
        rc = dse_key_load_public(server_key_file, &cc->server, err);
    if (rc) {
        memset(cc, 0, sizeof *cc);
        return rc;
    }
    snprintf(cc->own_path, sizeof cc->own_path, "%s", key_file);
    snprintf(cc->server_path, sizeof cc->server_path, "%s", server_key_file);
    return 0;
}

void dse_curve_client_apply(const dse_curve_client_t *cc, zsock_t *sock)
{
    zsock_set_curve_serverkey(sock, cc->server.public_z85);
    zsock_set_curve_publickey(sock, cc->own.public_z85);
    zsock_set_curve_secretkey(sock, cc->own.secret_z85);
}

struct dse_handshake_watch {
    zsock_t *sock;
    zsock_t *pair;
};

dse_handshake_watch_t *dse_handshake_watch_new(zsock_t *sock)
{
    static atomic_uint seq;
    char ep[96];
    snprintf(ep, sizeof ep, "inproc://dse-handshake-%p-%u", (void *)sock,
             atomic_fetch_add(&seq, 1));
    if (zmq_socket_monitor(zsock_resolve(sock), ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        return NULL;
    dse_handshake_watch_t *w = dse_xcalloc(1, sizeof *w);
    w->sock = sock;
    w->pair = zsock_new(ZMQ_PAIR);
    if (!w->pair || zsock_connect(w->pair, "%s", ep) != 0) {
        zmq_socket_monitor(zsock_resolve(sock), NULL, 0);
        zsock_destroy(&w->pair);
        free(w);
        return NULL;
    }
    return w;
}

int dse_handshake_watch_failed(dse_handshake_watch_t *w, const char *side,
                               const dse_curve_client_t *cc, char *why, size_t size)
{
    if (!w)
        return 0;
    int failed = 0;
    for (int k = 0; k < 64; k++) {
        uint8_t head[6];
        char ep[256];
        void *h = zsock_resolve(w->pair);
        int n = zmq_recv(h, head, sizeof head, ZMQ_DONTWAIT);
        if (n < 0)
            break;
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(h, ZMQ_RCVMORE, &more, &ml);
        int el = more ? zmq_recv(h, ep, sizeof ep - 1, 0) : 0;
        if (el < 0)
            el = 0;
        if (el > (int)sizeof ep - 1)
            el = (int)sizeof ep - 1;
        ep[el] = '\0';
        if (n != 6)
            continue;
        uint16_t ev;
        uint32_t val;
        memcpy(&ev, head, 2);
        memcpy(&val, head + 2, 4);
        int kind = ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ? 1 : 2;
        if (kind < failed)
            continue; /* keep the clearer reason of this batch */
        failed = kind;
        if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && cc)
            snprintf(why, size, "the coordinator at %s refused this %s's key '%s' (%s, public "
                     "key %s): its operator must copy the .pub file into the coordinator's "
                     "KEYS/allowed/%ss/ and restart it (or the coordinator quarantined this "
                     "key: see its log)", ep, side, cc->own.name[0] ? cc->own.name : "unnamed",
                     cc->own_path, cc->own.public_z85, side);
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            snprintf(why, size, "the coordinator at %s refused this %s (ZAP status %u)", ep,
                     side, (unsigned)val);
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
                 val == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            snprintf(why, size, cc ? "the coordinator at %s does not use CURVE keys (it was "
                                     "started without --keys): this %s's --key and "
                                     "--coordinator-key do not fit it"
                                   : "the coordinator at %s uses CURVE keys (--keys): this %s "
                                     "needs --key FILE and --coordinator-key FILE",
                     ep, side);
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && cc)
            snprintf(why, size, "the CURVE handshake with %s failed (protocol error 0x%x): is "
                     "%s (--coordinator-key) the public key of this coordinator?", ep,
                     (unsigned)val, cc->server_path);
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
            snprintf(why, size, "the handshake with %s failed (protocol error 0x%x)", ep,
                     (unsigned)val);
        else if (cc)
            snprintf(why, size, "the coordinator at %s closed the connection during the CURVE "
                     "handshake (%s): is %s (--coordinator-key) the public key of this "
                     "coordinator?", ep, strerror((int)val), cc->server_path);
        else
            snprintf(why, size, "the coordinator at %s closed the connection during the "
                     "handshake (%s): if it was started with --keys, this %s needs --key FILE "
                     "and --coordinator-key FILE", ep, strerror((int)val), side);
    }
    return failed;
}

void dse_handshake_watch_destroy(dse_handshake_watch_t **w_p)
{
    if (!w_p || !*w_p)
        return;
    dse_handshake_watch_t *w = *w_p;
    zmq_socket_monitor(zsock_resolve(w->sock), NULL, 0);
    zsock_destroy(&w->pair);
    free(w);
    *w_p = NULL;
}
