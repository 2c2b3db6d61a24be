/* bench/skip.c - exhaustive evaluation in one thread with and without
 * skipping the points a model proves infeasible (hwmodel.monotone).
 *
 * For each config: every layer's whole space as one range, as a worker
 * evaluates a unit. Prints the points, the share skipped, and the rate in
 * points per second (skipped points counted as done) with skipping off and
 * on. Configs may be given on the command line; a config name followed by
 * "+all" also widens its tile domains to every size (the space a user gets
 * with tile_* = "all"); "+l1le16k" adds the per-layer constraint
 * l1_bytes <= 16384 (an L1 budget below the target's). --once first: one
 * pass each instead of the best of several (for slow spaces); --off or --on
 * first: 20 passes in that mode alone (to count instructions with perf stat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "eval/eval.h"

static char *widen(const char *text, const char *model)
{
    /* appends the tile domains under [space] (the configs have one) */
    const char *tiles = strcmp(model, "siracusa") == 0
                            ? "tile_ho = \"all\"\ntile_wo = \"all\"\ntile_cout = \"all\"\n"
                              "tile_n = \"all\"\n"
                            : "tile_cout = \"all\"\ntile_ho = \"all\"\ntile_wo = \"all\"\n"
                              "tile_cin = \"divisors\"\n";
    const char *at = strstr(text, "[space]");
    if (!at)
        return NULL;
    const char *eol = strchr(at, '\n');
    dse_strbuf_t sb;
    dse_strbuf_init(&sb);
    dse_strbuf_add(&sb, text, (size_t)(eol + 1 - text));
    /* drop the config's own tile lines so the keys are not repeated */
    const char *p = eol + 1;
    while (*p && *p != '[') {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e + 1 - p) : strlen(p);
        if (strncmp(p, "tile_", 5) != 0)
            dse_strbuf_add(&sb, p, n);
        p += n;
    }
    dse_strbuf_adds(&sb, tiles);
    dse_strbuf_adds(&sb, p);
    return dse_strbuf_detach(&sb, NULL);
}

static dse_evaljob_t *load(const char *arg)
{
    char path[512];
    snprintf(path, sizeof path, "%s", arg);
    char *plus = strstr(path, "+all");
    char *cap = strstr(path, "+l1le16k");
    if (cap)
        *cap = 0;
    if (plus)
        *plus = 0;
    char *text = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_read_file(path, &text, &len, &err) != 0) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return NULL;
    }
    if (plus) {
        const char *model = strstr(text, "model = \"siracusa\"") ? "siracusa" : "pulp-cluster";
        char *w = widen(text, model);
        free(text);
        if (!w) {
            fprintf(stderr, "%s: no [space]\n", path);
            return NULL;
        }
        text = w;
        len = strlen(w);
    }
    if (cap) {
        /* a per-layer bound on l1_bytes below the L1 size */
        const char *obj = strstr(text, "\nobjectives");
        if (!obj || strstr(text, "\nconstraints")) {
            fprintf(stderr, "%s: no objectives line, or constraints already\n", path);
            free(text);
            return NULL;
        }
        dse_strbuf_t sb;
        dse_strbuf_init(&sb);
        dse_strbuf_add(&sb, text, (size_t)(obj + 1 - text));
        dse_strbuf_adds(&sb, "constraints = [\"l1_bytes <= 16384\"]\n");
        dse_strbuf_adds(&sb, obj + 1);
        free(text);
        text = dse_strbuf_detach(&sb, &len);
    }
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    int rc = dse_config_parse(path, text, len, 0, &job, &err);
    free(text);
    if (rc == 0)
        rc = dse_evaljob_new(&job, &ej, &err);
    if (rc != 0) {
        char msg[1200];
        dse_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        return NULL;
    }
    return ej;
}

/* Seconds for one pass over every layer. */
static double pass(dse_evaljob_t *ej, int skip, dse_counters_t *cnt)
{
    ej->no_skip = !skip;
    memset(cnt, 0, sizeof *cnt);
    double t0 = dse_now();
    for (size_t li = 0; li < ej->job->n_layers; li++) {
        dse_front_t *f = dse_evaljob_front_new(ej);
        dse_eval_points(ej, li, 0, ej->job->layers[li].space->size, NULL, 0, f, NULL, cnt,
                        NULL);
        dse_front_destroy(&f);
    }
    double dt = dse_now() - t0;
    ej->no_skip = 0;
    return dt;
}

/* Best of passes alternating off and on (at least 5 each and ~0.5 s each
 * in all): the machine is shared, the best pass is the least disturbed. */
static int s_once; /* --once: one pass each (spaces too slow to repeat) */
static int s_only = -1; /* --off / --on: 20 passes in that mode alone (for perf stat) */

static void timed(dse_evaljob_t *ej, double *t_off, double *t_on, dse_counters_t *off,
                  dse_counters_t *on)
{
    double spent = 0;
    *t_off = *t_on = 1e30;
    for (int r = 0; r < 40 && (r < 5 || spent < 1.0) && (!s_once || r < 1); r++) {
        double a = pass(ej, 0, off), b = pass(ej, 1, on);
        spent += a + b;
        if (a < *t_off)
            *t_off = a;
        if (b < *t_on)
            *t_on = b;
    }
}

int main(int argc, char **argv)
{
    static const char *const dflt[] = {
        "configs/quickstart.toml",        "configs/resnet8-train.toml",
        "configs/resnet8-train.toml+all", "configs/quickstart.toml+l1le16k",
        "configs/resnet8-train.toml+all+l1le16k",
        "configs/mobilenetv2-siracusa-64k.toml", "configs/slm-prefill-64k.toml",
    };
    if (argc > 1 && strcmp(argv[1], "--once") == 0) {
        s_once = 1;
        argc--, argv++;
    }
    if (argc > 1 && (strcmp(argv[1], "--off") == 0 || strcmp(argv[1], "--on") == 0)) {
        s_only = strcmp(argv[1], "--on") == 0;
        argc--, argv++;
    }
    const char *const *list = argc > 1 ? (const char *const *)argv + 1 : dflt;
    int n = argc > 1 ? argc - 1 : (int)(sizeof dflt / sizeof dflt[0]);
    printf("skip: one thread, whole layers as units; rate = points (skipped included) / s\n");
    for (int i = 0; i < n; i++) {
        dse_evaljob_t *ej = load(list[i]);
        if (!ej)
            return 1;
        dse_counters_t off, on;
        double t_off, t_on;
        if (s_only >= 0) {
            double t = 0;
            for (int r = 0; r < 20; r++)
                t += pass(ej, s_only, &on);
            printf("skip: %-44s %s: 20 passes in %.3f s\n", list[i], s_only ? "on" : "off", t);
            dse_evaljob_destroy(&ej);
            continue;
        }
        timed(ej, &t_off, &t_on, &off, &on);
        uint64_t pts = on.evaluated + on.skipped;
        if (off.feasible != on.feasible || off.evaluated != pts) {
            fprintf(stderr, "%s: counters differ with skipping\n", list[i]);
            return 1;
        }
        printf("skip: %-44s points %9llu  infeasible %5.1f%%  skipped %5.1f%%  "
               "off %6.3f s %9.0f pt/s  on %6.3f s %9.0f pt/s  speedup %.2fx\n",
               list[i], (unsigned long long)pts,
               100.0 * (double)off.infeasible / (double)pts,
               100.0 * (double)on.skipped / (double)pts, t_off, (double)pts / t_off, t_on,
               (double)pts / t_on, t_off / t_on);
        dse_evaljob_destroy(&ej);
    }
    return 0;
}
