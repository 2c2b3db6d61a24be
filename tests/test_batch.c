/* test_batch.c - [workload] batch and a layer's batch: every model scales
 * the metrics that count work per sample, and nothing else. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "tests/test.h"
#include "eval/eval.h"

/* The config file's text with "batch = B" added to [workload]. */
static char *s_with_batch(const char *path, const char *line)
{
    char *text = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_read_file(path, &text, &len, &err) != 0)
        return NULL;
    const char *w = strstr(text, "\n[workload]\n");
    if (!w) {
        free(text);
        return NULL;
    }
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    size_t head = (size_t)(w - text) + strlen("\n[workload]\n");
    dse_strbuf_add(&sb, text, head);
    dse_strbuf_adds(&sb, line);
    dse_strbuf_adds(&sb, text + head);
    free(text);
    return dse_strbuf_detach(&sb, NULL);
}

static dse_evaljob_t *s_load(const char *name, const char *text)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    if (dse_config_parse(name, text, strlen(text), 0, &job, &err) != 0 ||
        dse_evaljob_new(&job, &ej, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
        return NULL;
    }
    return ej;
}

DSE_TEST(batch_every_model)
{
    static const char *const configs[] = {"configs/quickstart.toml",
                                          "configs/mobilenetv2-siracusa.toml",
                                          "configs/cnv-w1a1-pynq.toml", "configs/testfn.toml"};
    static const char *const models[] = {"pulp-cluster", "siracusa", "finn", "testfn"};
    for (size_t c = 0; c < 4; c++) {
        char *one = s_with_batch(configs[c], "");
        char *three = s_with_batch(configs[c], "batch = 3\n");
        CHECK(one && three);
        if (!one || !three) {
            free(one);
            free(three);
            continue;
        }
        dse_evaljob_t *a = s_load(configs[c], one), *b = s_load(configs[c], three);
        free(one);
        free(three);
        if (!a || !b) {
            dse_evaljob_destroy(&a);
            dse_evaljob_destroy(&b);
            continue;
        }
        const dse_hwmodel_t *m = a->job->model;
        CHECK_STR(m->name, models[c]);
        CHECK(m->batch_metrics && m->batch_metrics[0]);
        CHECK_INT(b->job->layers[0].batch, 3);
        /* batch 1 leaves the canonical text, so the digest, as it was */
        CHECK(strstr(a->canonical, "batch") == NULL);
        CHECK(strstr(b->canonical, "batch = 3") != NULL);
        size_t checked = 0, scaled = 0;
        for (size_t l = 0; l < a->job->n_layers; l++) {
            const dse_space_t *s = a->job->layers[l].space;
            for (uint64_t i = 0; i < s->size && i < 300; i++) {
                double p[DSE_MAX_PARAMS], ma[DSE_MAX_METRICS], mb[DSE_MAX_METRICS];
                dse_space_decode(s, i, p);
                if (!m->evaluate(a->ctx[l], p, ma))
                    continue;
                dse_eval_params(a, l, p, ma);
                dse_eval_params(b, l, p, mb);
                checked++;
                for (size_t k = 0; k < m->n_metrics; k++) {
                    double want = b->batch_metric[k] ? 3 * ma[k] : ma[k];
                    if (!(mb[k] == want))
                        dse__test_fail(__FILE__, __LINE__, "%s layer %zu point %llu: %s = %g, "
                                       "expected %g", models[c], l, (unsigned long long)i,
                                       m->metrics[k].name, mb[k], want);
                    scaled += b->batch_metric[k] && ma[k] != 0;
                }
            }
        }
        CHECK(checked > 0 && scaled > 0);
        dse_evaljob_destroy(&a);
        dse_evaljob_destroy(&b);
    }
}

/* A layer's own batch overrides [workload] batch; the canonical text a
 * worker receives carries it; bad values are refused where they stand. */
DSE_TEST(batch_per_layer)
{
    const char *text =
        "[target]\nmodel = \"testfn\"\n[workload]\nbatch = 2\n"
        "[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\nin_shape = [1]\n"
        "[[workload.layer]]\nname = \"b\"\nop = \"elementwise\"\nin_shape = [1]\nbatch = 5\n";
    dse_evaljob_t *ej = s_load("b.toml", text);
    if (!ej)
        return;
    CHECK_INT(ej->job->layers[0].batch, 2);
    CHECK_INT(ej->job->layers[1].batch, 5);
    dse_evaljob_t *again = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &again, &err), 0);
    if (again) {
        CHECK_INT(again->job->layers[0].batch, 2);
        CHECK_INT(again->job->layers[1].batch, 5);
        CHECK_STR(again->digest, ej->digest);
    }
    dse_evaljob_destroy(&again);
    dse_evaljob_destroy(&ej);
    const char *bad = "[target]\nmodel = \"testfn\"\n[workload]\nbatch = 0\n"
                      "[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\nin_shape = [1]\n";
    dse_job_t *job = NULL;
    CHECK_INT(dse_config_parse("b.toml", bad, strlen(bad), 0, &job, &err), DSE_ECONFIG);
    CHECK_INT(err.line, 4);
    CHECK(strstr(err.msg, "out of range") != NULL);
}
