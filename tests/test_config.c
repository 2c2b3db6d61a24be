/* test_config.c - job validation: broken configs with their messages and
 * positions, canonical round trips, presets, defaults. */
#include "config/config.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "tests/test.h"

#include <ctype.h>
#include <stdlib.h>

#define HEAD "[target]\nmodel = \"testfn\"\n[workload]\n"
#define LAYER "[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\nin_shape = [1]\n"

/* a pointwise layer NAME with in_shape SHAPE, 8 output channels (6 lines) */
#define PW(name, shape)                                                                      \
    "[[workload.layer]]\nname = \"" name "\"\nop = \"pw\"\nin_shape = " shape                 \
    "\nout_channels = 8\n\n"

typedef struct {
    const char *name;
    const char *text;
    int line, col;
    const char *msg; /* a substring the message must hold */
} s_bad_t;

static const s_bad_t s_bad[] = {
    {"toml syntax", "[job\nname = 1\n", 1, 5, ""},
    {"unknown top-level", "[jobb]\n", 1, 2, "did you mean 'job'"},
    /* the sections listed from config.c's table, in its order */
    {"unknown section", "[serch]\n", 1, 2,
     "unknown key 'serch' in the job file (sections: [job], [target], [workload], [space], "
     "[search], [cluster], [evaluator]) (did you mean 'search'?)"},
    {"no target", "[job]\nname = \"x\"\n", 1, 1, "missing table [target]"},
    {"target not table", "target = 3\n", 1, 10, "[target] must be a table"},
    {"no model", "[target]\nhardware = \"x\"\n", 1, 1, "missing key 'model'"},
    {"model type", "[target]\nmodel = 7\n", 2, 9, "must be a string, not an integer"},
    {"unknown model", "[target]\nmodel = \"pulp-clustr\"\n", 2, 9, "did you mean 'pulp-cluster'"},
    {"unknown target key", "[target]\nmodel = \"testfn\"\ncots = 3\n", 3, 1,
     "did you mean 'cost'"},
    {"preset key type", "[target]\nmodel = \"testfn\"\ncost = \"high\"\n", 3, 8,
     "must be an integer"},
    {"preset key range", "[target]\nmodel = \"testfn\"\ncost = -5\n", 3, 8, "out of range"},
    {"unknown preset", "[target]\nmodel = \"testfn\"\nhardware = \"nope\"\n", 3, 12,
     "unknown hardware preset 'nope'"},
    {"bad preset name", "[target]\nmodel = \"testfn\"\nhardware = \"../x\"\n", 3, 12,
     "may only hold"},
    {"no workload", "[target]\nmodel = \"testfn\"\n", 1, 1, "missing table [workload]"},
    {"no layers", HEAD "dtype = \"fp32\"\n", 3, 1, "has no layers"},
    {"unknown dtype", HEAD "dtype = \"fp33\"\n" LAYER, 4, 9, "did you mean 'fp32'"},
    {"unknown step", HEAD "steps = [\"fw\", \"bw\"]\n" LAYER, 4, 16, "unknown step \"bw\""},
    {"duplicate step", HEAD "steps = [\"fw\", \"fw\"]\n" LAYER, 4, 16, "listed twice"},
    {"layer no name", HEAD "[[workload.layer]]\nop = \"pw\"\n", 4, 1, "missing key 'name'"},
    {"unknown op", HEAD "[[workload.layer]]\nname = \"a\"\nop = \"conv\"\n", 6, 6,
     "unknown op \"conv\""},
    {"unknown layer key", HEAD LAYER "stide = [1, 1]\n", 8, 1, "did you mean 'stride'"},
    {"param as layer key", HEAD LAYER "x1 = 3\n", 8, 1, "'x1' is a parameter"},
    {"key not for op", HEAD LAYER "kernel = [3, 3]\n", 8, 1, "does not apply to op"},
    {"duplicate layer", HEAD LAYER LAYER, 9, 8, "duplicate layer name 'a'"},
    {"in_shape wrong len",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"conv2d\"\nin_shape = [3, 32]\n"
          "out_channels = 8\nkernel = [3, 3]\n",
     7, 12, "must have 3 elements, not 2"},
    {"in_shape zero",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"conv2d\"\nin_shape = [3, 0, 32]\n"
          "out_channels = 8\nkernel = [3, 3]\n",
     7, 16, "out of range"},
    {"kernel too large",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"conv2d\"\nin_shape = [3, 4, 4]\n"
          "out_channels = 8\nkernel = [5, 5]\n",
     9, 10, "larger than its padded 4x4 input"},
    {"missing out_channels",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"conv2d\"\nin_shape = [3, 4, 4]\n"
          "kernel = [3, 3]\n",
     4, 1, "missing out_channels"},
    {"dw channels",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"dw\"\nin_shape = [8, 4, 4]\n"
          "out_channels = 16\nkernel = [3, 3]\n",
     8, 16, "must equal the 8 input channels"},
    {"pw kernel",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"pw\"\nin_shape = [8, 4, 4]\n"
          "out_channels = 16\nkernel = [3, 3]\n",
     9, 10, "1x1 kernel"},
    {"padding too big",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"conv2d\"\nin_shape = [8, 4, 4]\n"
          "out_channels = 16\nkernel = [3, 3]\npadding = [3, 0, 0, 0]\n",
     10, 11, "smaller than the 3x3 kernel"},
    {"padding arity",
     HEAD "[[workload.layer]]\nname = \"c\"\nop = \"conv2d\"\nin_shape = [8, 4, 4]\n"
          "out_channels = 16\nkernel = [3, 3]\npadding = [1, 1, 1]\n",
     10, 11, "not 3 elements"},
    {"gemm dims", HEAD "[[workload.layer]]\nname = \"g\"\nop = \"gemm\"\ndims = [4, 4]\n", 7, 8,
     "must have 3 elements"},
    {"gemm missing dims", HEAD "[[workload.layer]]\nname = \"g\"\nop = \"gemm\"\n", 4, 1,
     "needs dims = [M, N, K]"},
    {"layer key enum", HEAD LAYER "problem = \"zdt2\"\n", 8, 11, "did you mean 'zdt1'"},
    {"layer key range", HEAD LAYER "n = 1\n", 8, 5, "out of range"},
    {"unknown space param", HEAD LAYER "[space]\nx4 = [1]\n", 9, 1, "unknown parameter 'x4'"},
    {"space value too big", HEAD LAYER "n = 8\nspace = { x1 = [1, 9] }\n", 9, 20,
     "outside 1..8"},
    {"space rule", HEAD LAYER "[space]\nx1 = \"divisor\"\n", 9, 6, "did you mean 'divisors'"},
    {"space empty list", HEAD LAYER "[space]\nx1 = []\n", 9, 6, "the list is empty"},
    {"space range reversed", HEAD LAYER "[space]\nx1 = { from = 5, to = 2 }\n", 9, 6,
     "'to' is below 'from'"},
    {"space range key", HEAD LAYER "[space]\nx1 = { from = 1, to = 2, stp = 1 }\n", 9, 26,
     "did you mean 'step'"},
    {"space float for int", HEAD LAYER "[space]\nx1 = [1.5]\n", 9, 7, "must be an integer"},
    {"unknown strategy", HEAD LAYER "[search]\nstrategy = \"exhaustve\"\n", 9, 12,
     "did you mean 'exhaustive'"},
    {"population too small", HEAD LAYER "[search]\nstrategy = \"nsga2\"\npopulation = 2\n", 10,
     14, "at least 4"},
    {"negative seconds", HEAD LAYER "[search]\nseconds = -1\n", 9, 11, "seconds must be"},
    {"negative epsilon", HEAD LAYER "[search]\nepsilon = -0.1\n", 9, 11, "epsilon must be"},
    {"epsilon string", HEAD LAYER "[search]\nepsilon = \"5%\"\n", 9, 11, "epsilon"},
    {"negative stall", HEAD LAYER "[search]\nstall_generations = -3\n", 9, 21, "out of range"},
    {"search key typo", HEAD LAYER "[search]\npopulaton = 10\n", 9, 1, "did you mean 'population'"},
    {"unknown objective", HEAD LAYER "[search]\nobjectives = [\"f1\", \"f4\"]\n", 9, 21,
     "unknown metric 'f4'"},
    {"objective twice", HEAD LAYER "[search]\nobjectives = [\"f1\", \"f1\"]\n", 9, 21,
     "listed twice"},
    {"bad constraint op", HEAD LAYER "[search]\nconstraints = [\"f1 ~ 3\"]\n", 9, 16,
     "expected <=, <, >=, > or =="},
    {"constraint metric", HEAD LAYER "[search]\nconstraints = [\"f9 <= 3\"]\n", 9, 16,
     "unknown metric 'f9'"},
    {"constraint key", HEAD LAYER "[search]\nconstraints = [\"f1 <= 0.5 * speed\"]\n", 9, 16,
     "'speed' is not a numeric hardware key"},
    {"seed negative", HEAD LAYER "[search]\nseed = -1\n", 9, 8, "out of range"},
    {"cluster key", HEAD LAYER "[cluster]\nworker = 2\n", 9, 1, "did you mean 'workers'"},
    {"cluster workers range", HEAD LAYER "[cluster]\nworkers = 100000\n", 9, 11, "out of range"},
    {"job name chars", "[job]\nname = \"a b\"\n" HEAD LAYER, 2, 8, "may only hold"},
    {"nul byte", "[job]\nname = \"a\0b\"\n", 2, 0, ""},
    {"shapes do not chain", HEAD PW("c1", "[8, 48, 48]") PW("c2", "[16, 48, 48]"), 13, 12,
     "layer 'c2' takes in_shape [16, 48, 48], but the previous layer 'c1' gives [8, 48, 48] "
     "(C, H, W). If this layer does not follow 'c1', say where its input comes from: input = "
     "\"LAYER\" for a branch, or chain = false"},
    {"HWC for CHW", HEAD PW("c1", "[8, 48, 48]") PW("c2", "[48, 48, 8]"), 13, 12,
     "the same sizes in another order: in_shape is [C, H, W], not [H, W, C]"},
    {"linear after conv", HEAD PW("c1", "[8, 4, 4]") "[[workload.layer]]\nname = \"fc\"\n"
     "op = \"linear\"\nin_shape = [64]\nout_channels = 2\n", 13, 12,
     "layer 'fc' takes in_shape [64], but the previous layer 'c1' gives [8, 4, 4]"},
    {"branch from the wrong layer", HEAD PW("c1", "[8, 4, 4]") PW("c2", "[8, 4, 4]")
     "[[workload.layer]]\nname = \"c3\"\nop = \"pw\"\nin_shape = [16, 4, 4]\n"
     "out_channels = 8\ninput = \"c1\"\n", 19, 12, "but its input layer 'c1' gives [8, 4, 4]"},
    {"input unknown", HEAD PW("c1", "[8, 4, 4]") PW("c2", "[8, 4, 4]")
     "[[workload.layer]]\nname = \"c3\"\nop = \"pw\"\nin_shape = [8, 4, 4]\n"
     "out_channels = 8\ninput = \"c0\"\n", 21, 9,
     "input \"c0\" is not the name of an earlier layer (did you mean 'c1'?)"},
    {"input later", HEAD PW("c1", "[8, 4, 4]") "[[workload.layer]]\nname = \"c2\"\nop = \"pw\"\n"
     "in_shape = [8, 4, 4]\nout_channels = 8\ninput = \"c2\"\n", 15, 9,
     "not the name of an earlier layer"},
    {"chain type", HEAD PW("c1", "[8, 4, 4]") "[[workload.layer]]\nname = \"c2\"\nop = \"pw\"\n"
     "in_shape = [3, 4, 4]\nout_channels = 8\nchain = 0\n", 15, 9,
     "chain must be true or false"},
};

DSE_TEST(config_broken_table)
{
    CHECK(sizeof s_bad / sizeof s_bad[0] >= 30);
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        const s_bad_t *b = &s_bad[i];
        size_t len = strlen(b->text);
        if (strcmp(b->name, "nul byte") == 0)
            len = 22; /* the text holds a NUL on purpose */
        dse_error_t err = DSE_ERROR_INIT;
        dse_job_t *job = NULL;
        int rc = dse_config_parse("bad.toml", b->text, len, 0, &job, &err);
        if (rc == 0 || job) {
            dse__test_fail(__FILE__, __LINE__, "case '%s': accepted", b->name);
            dse_job_destroy(&job);
            continue;
        }
        CHECK_INT(rc, DSE_ECONFIG);
        CHECK_STR(err.file, "bad.toml");
        if (err.line != b->line || (b->col && err.col != b->col))
            dse__test_fail(__FILE__, __LINE__, "case '%s': at %d:%d, expected %d:%d (%s)",
                           b->name, err.line, err.col, b->line, b->col, err.msg);
        if (!strstr(err.msg, b->msg))
            dse__test_fail(__FILE__, __LINE__, "case '%s': message \"%s\" lacks \"%s\"",
                           b->name, err.msg, b->msg);
    }
}

static dse_job_t *s_parse_ok(const char *text)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_job_t *job = NULL;
    if (dse_config_parse("ok.toml", text, strlen(text), 0, &job, &err) != 0) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        dse__test_fail(__FILE__, __LINE__, "rejected: %s", buf);
    }
    return job;
}

DSE_TEST(config_shapes)
{
    dse_job_t *job = s_parse_ok(
        "[job]\nname = \"shapes\"\n" HEAD "steps = [\"fw\", \"ig\"]\n"
        "[[workload.layer]]\nname = \"conv1\"\nop = \"conv2d\"\nin_shape = [1, 49, 10]\n"
        "out_channels = 64\nkernel = [10, 4]\nstride = [2, 2]\npadding = [5, 1, 5, 1]\n"
        "[[workload.layer]]\nname = \"dw\"\nop = \"dw\"\nin_shape = [64, 25, 5]\nkernel = [3, 3]\n"
        "padding = [1]\n"
        "[[workload.layer]]\nname = \"fc\"\nop = \"linear\"\nin_shape = [64, 1, 1]\n"
        "out_channels = 12\nchain = false\n"
        "[[workload.layer]]\nname = \"pool\"\nop = \"maxpool\"\nin_shape = [64, 28, 28]\n"
        "kernel = [2, 2]\nchain = false\n"
        "[[workload.layer]]\nname = \"g\"\nop = \"gemv\"\ndims = [256, 128]\n");
    if (!job)
        return;
    CHECK_STR(job->name, "shapes");
    CHECK_STR(job->output, "results/shapes");
    CHECK_INT(job->steps, DSE_STEP_FW | DSE_STEP_IG);
    CHECK_INT(job->n_layers, 5);
    const dse_layer_t *c = &job->layers[0];
    CHECK_INT(c->hout, 25);
    CHECK_INT(c->wout, 5);
    CHECK_INT(c->pad_t, 5);
    CHECK_INT(c->pad_l, 1);
    const dse_layer_t *d = &job->layers[1];
    CHECK_INT(d->cout, 64);
    CHECK_INT(d->hout, 25);
    CHECK_INT(d->wout, 5);
    CHECK_INT(job->layers[2].cin, 64);
    CHECK_INT(job->layers[2].k, 64);
    CHECK_INT(job->layers[2].n, 12);
    CHECK_INT(job->layers[3].hout, 14);
    CHECK_INT(job->layers[3].sh, 2);
    CHECK_INT(job->layers[4].m, 1);
    CHECK_INT(job->layers[4].n, 256);
    CHECK_INT(job->layers[4].k, 128);
    dse_job_destroy(&job);
    CHECK(job == NULL);
    dse_job_destroy(&job); /* safe twice */
}

/* What the chaining check lets through: a branch named by input, a layer
 * that says chain = false, a linear layer on a flattened map, elementwise
 * on the same number of elements, and layers given by dims. */
DSE_TEST(config_chain_ok)
{
    dse_job_t *job = s_parse_ok(
        HEAD PW("c1", "[8, 4, 4]") PW("c2", "[8, 4, 4]")
        "[[workload.layer]]\nname = \"short\"\nop = \"pw\"\nin_shape = [8, 4, 4]\n"
        "out_channels = 8\ninput = \"c1\"\n"
        "[[workload.layer]]\nname = \"flat\"\nop = \"linear\"\nin_shape = [128]\n"
        "out_channels = 32\n"
        "[[workload.layer]]\nname = \"act\"\nop = \"elementwise\"\nin_shape = [2, 16]\n"
        "[[workload.layer]]\nname = \"other\"\nop = \"pw\"\nin_shape = [3, 9, 9]\n"
        "out_channels = 4\nchain = false\n"
        "[[workload.layer]]\nname = \"g\"\nop = \"gemv\"\ndims = [256, 128]\n"
        "[[workload.layer]]\nname = \"after\"\nop = \"pw\"\nin_shape = [5, 5, 5]\n"
        "out_channels = 4\n");
    if (job)
        CHECK_INT(job->n_layers, 8);
    dse_job_destroy(&job);
}

DSE_TEST(config_domains)
{
    dse_job_t *job = s_parse_ok(
        HEAD LAYER "n = 12\nspace = { x1 = \"divisors\", x2 = \"pow2\", x3 = { from = 2, to = 11, "
        "step = 3 } }\n" "[[workload.layer]]\nname = \"b\"\nop = \"pw\"\nin_shape = [4, 2, 2]\n"
        "chain = false\nout_channels = 4\nn = 5\nspace = { x1 = [5, 1, 3, 3] }\n"
        "[space]\nx2 = 2\n[search]\nconstraints = [\"f1 <= 0.5\", \"f2 >= 0.1\"]\n");
    if (!job)
        return;
    const dse_space_t *s = job->layers[0].space;
    CHECK_INT(s->n_values[0], 6); /* 1 2 3 4 6 12 */
    CHECK(s->values[0][4] == 6 && s->values[0][5] == 12);
    CHECK_INT(s->n_values[1], 4); /* 1 2 4 8 */
    CHECK_INT(s->n_values[2], 4); /* 2 5 8 11 */
    CHECK(s->values[2][3] == 11);
    CHECK_INT(s->size, 96);
    const dse_space_t *t = job->layers[1].space;
    CHECK_INT(t->n_values[0], 3); /* sorted, deduplicated */
    CHECK(t->values[0][0] == 1 && t->values[0][2] == 5);
    CHECK_INT(t->n_values[1], 1); /* from [space] */
    CHECK(t->values[1][0] == 2);
    CHECK_INT(t->n_values[2], 5); /* default "all" */
    CHECK_INT(job->n_constraints, 2);
    CHECK(job->constraints[0].metric == 0 && job->constraints[0].net == 0);
    CHECK(job->constraints[1].metric == -1); /* a lower bound on a sum: network only */
    dse_job_destroy(&job);
}

DSE_TEST(config_canonical_roundtrip)
{
    dse_job_t *job = s_parse_ok(
        "[job]\nname = \"rt\"\noutput = \"out/\\\"q\\\"\"\n[target]\nmodel = \"testfn\"\n"
        "cost = 7\n[workload]\nsteps = [\"fw\"]\n" LAYER "problem = \"dtlz2\"\nn = 9\n"
        "f1_max = 0.75\nspace = { x1 = [1, 3] }\n"
        "[search]\nobjectives = [\"f2\", \"f3\"]\nconstraints = [\"f1 < 0.5\"]\nseed = 42\n"
        "[cluster]\nworkers = 3\nheartbeat = 0.5\n");
    if (!job)
        return;
    char *a = dse_job_canonical(job);
    dse_job_t *again = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_parse("canonical", a, strlen(a), DSE_CONFIG_CANONICAL, &again, &err), 0);
    if (again) {
        char *b = dse_job_canonical(again);
        CHECK_STR(b, a);
        char da[33], db[33];
        dse_job_digest(a, da);
        dse_job_digest(b, db);
        CHECK_STR(da, db);
        CHECK_INT(strlen(da), 32);
        CHECK(again->hw[0] == 7);
        CHECK(again->seed == 42);
        CHECK_INT(again->workers, 3);
        CHECK_INT(again->layers[0].space->size, 2 * 9 * 9);
        free(b);
        dse_job_destroy(&again);
    } else {
        dse__test_fail(__FILE__, __LINE__, "canonical text rejected: %d:%d %s", err.line, err.col,
                       err.msg);
    }
    free(a);
    dse_job_destroy(&job);
}

DSE_TEST(config_presets)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/presets", dse_test_tmpdir());
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_mkdir_p(dir, &err), 0);
    snprintf(path, sizeof path, "%s/fast.toml", dir);
    const char *preset = "model = \"testfn\"\ndescription = \"d\"\ncost = 11\n";
    CHECK_INT(dse_write_file_atomic(path, preset, strlen(preset), &err), 0);
    snprintf(path, sizeof path, "%s/broken.toml", dir);
    const char *broken = "model = \"testfn\"\ncots = 11\n";
    CHECK_INT(dse_write_file_atomic(path, broken, strlen(broken), &err), 0);
    snprintf(path, sizeof path, "%s/other.toml", dir);
    /* a real preset for another model: its first key is one testfn lacks */
    const char *other = "model = \"finn\"\nlut_total = 53200\n";
    CHECK_INT(dse_write_file_atomic(path, other, strlen(other), &err), 0);
    setenv("DSE_PRESETS", dir, 1);

    dse_job_t *job = s_parse_ok("[target]\nmodel = \"testfn\"\nhardware = \"fast\"\n"
                                "[workload]\n" LAYER);
    if (job) {
        CHECK(job->hw[0] == 11);
        CHECK_STR(job->hardware, "fast");
        dse_job_destroy(&job);
    }
    job = s_parse_ok("[target]\nmodel = \"testfn\"\nhardware = \"fast\"\ncost = 3\n"
                     "[workload]\n" LAYER);
    if (job) {
        CHECK(job->hw[0] == 3); /* [target] overrides the preset */
        dse_job_destroy(&job);
    }
    const char *t = "[target]\nmodel = \"testfn\"\nhardware = \"broken\"\n[workload]\n" LAYER;
    CHECK_INT(dse_config_parse("j.toml", t, strlen(t), 0, &job, &err), DSE_ECONFIG);
    CHECK(strstr(err.file, "broken.toml") != NULL);
    CHECK_INT(err.line, 2);
    CHECK(strstr(err.msg, "did you mean 'cost'") != NULL);
    CHECK(strstr(err.msg, "(hardware keys of model 'testfn': cost") != NULL);
    t = "[target]\nmodel = \"testfn\"\nhardware = \"other\"\n[workload]\n" LAYER;
    CHECK_INT(dse_config_parse("j.toml", t, strlen(t), 0, &job, &err), DSE_ECONFIG);
    /* blamed where the job names the preset, with the model it is for */
    CHECK_STR(err.file, "j.toml");
    CHECK_INT(err.line, 3);
    CHECK(strstr(err.msg, "other.toml is a finn preset; this job's model is testfn") != NULL);
    CHECK(strstr(err.msg, "lut_total") == NULL);
    unsetenv("DSE_PRESETS");
}

/* A misspelt hardware key in [target] gets the closest name and every key
 * of the model; an unknown metric lists the network metrics and the layer
 * metrics under their own labels, each name once. */
DSE_TEST(config_messages)
{
    const char *t = "[target]\nmodel = \"pulp-cluster\"\nl1_byte = 65536\n[workload]\n" LAYER;
    dse_error_t err = DSE_ERROR_INIT;
    dse_job_t *job = NULL;
    CHECK_INT(dse_config_parse("j.toml", t, strlen(t), 0, &job, &err), DSE_ECONFIG);
    CHECK_INT(err.line, 3);
    CHECK(strstr(err.msg, "did you mean 'l1_bytes'") != NULL);
    CHECK(strstr(err.msg, "hardware keys of model 'pulp-cluster': ") != NULL);
    const dse_hwmodel_t *m = dse_model_find("pulp-cluster");
    for (size_t i = 0; m && i < m->n_preset_keys; i++)
        if (!strstr(err.msg, m->preset_keys[i].name))
            dse__test_fail(__FILE__, __LINE__, "key %s not listed: %s", m->preset_keys[i].name,
                           err.msg);
    t = HEAD LAYER "[search]\nobjectives = [\"f9\"]\n";
    CHECK_INT(dse_config_parse("j.toml", t, strlen(t), 0, &job, &err), DSE_ECONFIG);
    const char *nl = strstr(err.msg, "(network metrics: ");
    CHECK(nl != NULL);
    m = dse_model_find("testfn");
    for (size_t i = 0; m && nl && i < m->n_metrics; i++) {
        const char *name = m->metrics[i].name;
        /* each name once in the message */
        const char *a = strstr(nl, name);
        CHECK(a != NULL);
        if (a) {
            size_t len = strlen(name);
            const char *b = strstr(a + len, name);
            while (b && (isalnum((unsigned char)b[len]) || b[len] == '_'))
                b = strstr(b + 1, name);
            if (b)
                dse__test_fail(__FILE__, __LINE__, "metric %s listed twice: %s", name, err.msg);
        }
    }
    m = dse_model_find("pulp-cluster");
    t = "[target]\nmodel = \"pulp-cluster\"\n[workload]\n" PW("c", "[8, 4, 4]")
        "[search]\nobjectives = [\"cycle\"]\n";
    CHECK_INT(dse_config_parse("j.toml", t, strlen(t), 0, &job, &err), DSE_ECONFIG);
    CHECK(strstr(err.msg, "did you mean 'cycles'") != NULL);
    CHECK(strstr(err.msg, "network metrics: ") != NULL);
}

DSE_TEST(config_load_missing_file)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_load("/nonexistent/job.toml", &job, &err), DSE_EIO);
    CHECK(job == NULL);
    CHECK(strstr(err.msg, "cannot open") != NULL);
}

DSE_TEST(config_suggest)
{
    const char *c[] = {"tile_cout", "tile_ho", "buffering"};
    CHECK_STR(dse_suggest("tile_cot", c, 3), "tile_cout");
    CHECK_STR(dse_suggest("bufering", c, 3), "buffering");
    CHECK(dse_suggest("zzzzzz", c, 3) == NULL);
}

/* ------------------------------------------------------------ space properties */

static uint64_t s_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

DSE_TEST(space_decode_bijection)
{
    uint64_t seed = 12345;
    for (int trial = 0; trial < 200; trial++) {
        size_t np = 1 + s_rng(&seed) % 5;
        double *vals[5];
        size_t ns[5];
        size_t distinct[5];
        for (size_t p = 0; p < np; p++) {
            ns[p] = 1 + s_rng(&seed) % 6;
            vals[p] = malloc(ns[p] * sizeof(double));
            for (size_t i = 0; i < ns[p]; i++)
                vals[p][i] = (double)(s_rng(&seed) % 5); /* duplicates on purpose */
            /* brute-force count of distinct values */
            distinct[p] = 0;
            for (size_t i = 0; i < ns[p]; i++) {
                int seen = 0;
                for (size_t j = 0; j < i; j++)
                    seen |= vals[p][j] == vals[p][i];
                distinct[p] += !seen;
            }
        }
        dse_error_t err = DSE_ERROR_INIT;
        dse_space_t *s = dse_space_new(np, (const double *const *)vals, ns, &err);
        CHECK(s != NULL);
        if (!s)
            continue;
        uint64_t expect = 1;
        for (size_t p = 0; p < np; p++) {
            CHECK_INT(s->n_values[p], distinct[p]);
            for (size_t i = 1; i < s->n_values[p]; i++)
                CHECK(s->values[p][i - 1] < s->values[p][i]);
            expect *= distinct[p];
        }
        CHECK_INT(s->size, expect);
        /* decode is a bijection: every point decodes to a distinct tuple that
         * encodes back to its index */
        double *seen = calloc(s->size, np * sizeof(double));
        size_t digits[5];
        for (uint64_t i = 0; i < s->size; i++) {
            dse_space_decode(s, i, seen + i * np);
            dse_space_digits(s, i, digits);
            CHECK_INT(dse_space_index(s, digits), i);
            for (size_t p = 0; p < np; p++)
                CHECK(seen[i * np + p] == s->values[p][digits[p]]);
            for (uint64_t j = 0; j < i && j < 64; j++)
                CHECK(memcmp(seen + i * np, seen + j * np, np * sizeof(double)) != 0);
        }
        free(seen);
        dse_space_destroy(&s);
        for (size_t p = 0; p < np; p++)
            free(vals[p]);
    }
}

DSE_TEST(space_too_large)
{
    double v[1024];
    for (int i = 0; i < 1024; i++)
        v[i] = i;
    const double *vals[8];
    size_t ns[8];
    for (int p = 0; p < 8; p++)
        vals[p] = v, ns[p] = 1024; /* 2^80 points */
    dse_error_t err = DSE_ERROR_INIT;
    CHECK(dse_space_new(8, vals, ns, &err) == NULL);
    CHECK_INT(err.code, DSE_ERANGE);
    size_t ns6[6] = {1024, 1024, 1024, 1024, 1024, 1024}; /* 2^60: fine */
    dse_space_t *s = dse_space_new(6, vals, ns6, &err);
    CHECK(s && s->size == (uint64_t)1 << 60);
    double out[6];
    dse_space_decode(s, ((uint64_t)1 << 60) - 1, out);
    CHECK(out[0] == 1023 && out[5] == 1023);
    dse_space_destroy(&s);
}

static void s_write_tmp(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dse_test_tmpdir(), name);
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_write_file_atomic(path, text, strlen(text), &err), 0);
}

DSE_TEST(config_accuracy_table)
{
    char table[600], bad[600], header[600], job_path[600];
    s_write_tmp("acc.csv", "prune,accuracy\n0,91.5\n0.25,91.0\r\n0.5,89\n", table, sizeof table);
    s_write_tmp("acc_bad.csv", "prune,accuracy\n0,90\n0.25,90.5\n", bad, sizeof bad);
    s_write_tmp("acc_header.csv", "ratio,acc\n0,90\n", header, sizeof header);
    const char *fmt = "[target]\nmodel = \"pulp-cluster\"\nl1_bytes = 65536\n[workload]\n"
                      "[[workload.layer]]\nname = \"fc\"\nop = \"linear\"\nin_shape = [64]\n"
                      "out_channels = 16\n[search]\naccuracy = \"%s\"\n"
                      "objectives = [\"cycles\", \"accuracy\"]\n";
    char text[2000];
    snprintf(text, sizeof text, fmt, "acc.csv");
    s_write_tmp("acc_job.toml", text, job_path, sizeof job_path);
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_load(job_path, &job, &err), 0); /* the table is beside the job */
    if (job) {
        CHECK_INT(job->n_accuracy, 3);
        CHECK_INT(job->accuracy_objective, 1);
        CHECK(dse_job_accuracy(job, 0) == 91.5);
        CHECK_REL(dse_job_accuracy(job, 0.125), 91.25, 1e-12);
        CHECK_REL(dse_job_accuracy(job, 0.375), 90.0, 1e-12);
        CHECK(isnan(dse_job_accuracy(job, 0.6))); /* no extrapolation */
        dse_job_destroy(&job);
    } else {
        dse__test_fail(__FILE__, __LINE__, "%s", err.msg);
    }
    snprintf(text, sizeof text, fmt, bad);
    CHECK_INT(dse_config_parse("j.toml", text, strlen(text), 0, &job, &err), DSE_ECONFIG);
    CHECK(strstr(err.file, "acc_bad.csv") != NULL);
    CHECK_INT(err.line, 3);
    CHECK(strstr(err.msg, "must not increase") != NULL);
    snprintf(text, sizeof text, fmt, header);
    CHECK_INT(dse_config_parse("j.toml", text, strlen(text), 0, &job, &err), DSE_ECONFIG);
    CHECK(strstr(err.msg, "prune,accuracy") != NULL);
    const char *noacc = "[target]\nmodel = \"pulp-cluster\"\n[workload]\n[[workload.layer]]\n"
                        "name = \"fc\"\nop = \"linear\"\nin_shape = [64]\nout_channels = 16\n"
                        "[search]\nobjectives = [\"cycles\", \"accuracy\"]\n";
    CHECK_INT(dse_config_parse("j.toml", noacc, strlen(noacc), 0, &job, &err), DSE_ECONFIG);
    CHECK(strstr(err.msg, "needs a measured table") != NULL);
    const char *tf = "[target]\nmodel = \"testfn\"\n[workload]\n" LAYER
                     "[search]\naccuracy = \"x.csv\"\n";
    CHECK_INT(dse_config_parse("j.toml", tf, strlen(tf), 0, &job, &err), DSE_ECONFIG);
    CHECK(strstr(err.msg, "no mean pruning ratio") != NULL);
}

/* [search] margin: a number for every objective, or a table per objective;
 * bad names and values at their line and column; canonical round trip. */
DSE_TEST(config_margin_table)
{
#define EV "[evaluator]\nkind = \"command\"\ncommand = [\"/bin/true\"]\n"
#define RF HEAD LAYER "problem = \"zdt1\"\n[search]\nstrategy = \"refine\"\n" \
                      "objectives = [\"f1\", \"f2\"]\n"
    dse_job_t *job = s_parse_ok(RF "margin = { f2 = 0.0, f1 = 0.25 }\n" EV);
    if (!job)
        return;
    CHECK(job->margin[0] == 0.25 && job->margin[1] == 0);
    char *a = dse_job_canonical(job);
    CHECK(strstr(a, "margin = { f1 = 0.25, f2 = 0.0 }\n") != NULL);
    dse_job_t *again = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_parse("canonical", a, strlen(a), DSE_CONFIG_CANONICAL, &again, &err), 0);
    if (again) {
        char *b = dse_job_canonical(again);
        CHECK_STR(b, a);
        free(b);
        dse_job_destroy(&again);
    }
    free(a);
    dse_job_destroy(&job);
    /* a table naming one objective: the other keeps the default */
    job = s_parse_ok(RF "margin = { f1 = 0.3 }\n" EV);
    if (job) {
        CHECK(job->margin[0] == 0.3 && job->margin[1] == 0.1);
        dse_job_destroy(&job);
    }
    /* the same margin everywhere reads as before: one number */
    job = s_parse_ok(RF "margin = 0.12\n" EV);
    if (job) {
        char *c = dse_job_canonical(job);
        CHECK(strstr(c, "margin = 0.12\n") != NULL);
        free(c);
        dse_job_destroy(&job);
    }
    static const s_bad_t bad[] = {
        {"margin unknown objective", RF "margin = { f1 = 0.1, f3 = 0.2 }\n" EV, 12, 22,
         "margin: 'f3' is not an objective of the layers (they are: f1, f2)"},
        {"margin negative", RF "margin = { f2 = -0.5 }\n" EV, 12, 17, "margin of f2 must be 0 to 100"},
        {"margin string", RF "margin = { f1 = \"10%\" }\n" EV, 12, 17, "must be"},
        {"margin number range", RF "margin = 101\n" EV, 12, 10, "margin must be 0 to 100"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dse_job_t *j = NULL;
        dse_error_t e = DSE_ERROR_INIT;
        int rc = dse_config_parse("bad.toml", bad[i].text, strlen(bad[i].text), 0, &j, &e);
        CHECK_INT(rc, DSE_ECONFIG);
        dse_job_destroy(&j);
        if (e.line != bad[i].line || e.col != bad[i].col || !strstr(e.msg, bad[i].msg))
            dse__test_fail(__FILE__, __LINE__, "case '%s': %d:%d %s", bad[i].name, e.line, e.col,
                           e.msg);
    }
    /* margin_mode: adaptive by default (no margin in its text), declared
     * when a margin is given; both round-trip through the canonical text */
    static const struct {
        const char *extra;
        int mode;
        double safety;
        const char *canon;
    } modes[] = {
        {"", DSE_MARGIN_ADAPTIVE, 1.5, "margin_mode = \"adaptive\"\nmargin_safety = 1.5\n"},
        {"margin_safety = 2\n", DSE_MARGIN_ADAPTIVE, 2, "margin_safety = 2.0\n"},
        {"margin = 0.12\n", DSE_MARGIN_DECLARED, 1.5, "margin = 0.12\nmargin_mode = \"declared\"\n"},
        {"margin_mode = \"declared\"\n", DSE_MARGIN_DECLARED, 1.5, "margin = 0.1\n"},
    };
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        char t[2048];
        snprintf(t, sizeof t, RF "%s" EV, modes[i].extra);
        job = s_parse_ok(t);
        if (!job)
            continue;
        CHECK_INT(job->margin_mode, modes[i].mode);
        CHECK(job->margin_safety == modes[i].safety);
        char *c = dse_job_canonical(job);
        CHECK(strstr(c, modes[i].canon) != NULL);
        CHECK((strstr(c, "margin =") != NULL) == (modes[i].mode == DSE_MARGIN_DECLARED));
        dse_job_t *back = NULL;
        CHECK_INT(dse_config_parse("canonical", c, strlen(c), DSE_CONFIG_CANONICAL, &back, &err), 0);
        if (back) {
            char *d = dse_job_canonical(back);
            CHECK_STR(d, c);
            free(d);
            dse_job_destroy(&back);
        }
        free(c);
        dse_job_destroy(&job);
    }
    static const s_bad_t badm[] = {
        {"margin_mode unknown", RF "margin_mode = \"adaptve\"\n" EV, 12, 15,
         "margin_mode = \"adaptve\" is not one of"},
        {"margin with adaptive", RF "margin = 0.1\nmargin_mode = \"adaptive\"\n" EV, 13, 15,
         "margin applies to margin_mode = \"declared\""},
        {"margin_safety below 1", RF "margin_safety = 0.5\n" EV, 12, 17,
         "margin_safety must be 1 to 100"},
        {"margin_safety declared", RF "margin_mode = \"declared\"\nmargin_safety = 2\n" EV, 13,
         17, "margin_safety applies to strategy = \"refine\" with margin_mode = \"adaptive\""},
    };
    for (size_t i = 0; i < sizeof badm / sizeof *badm; i++) {
        dse_job_t *j = NULL;
        dse_error_t e = DSE_ERROR_INIT;
        int rc = dse_config_parse("bad.toml", badm[i].text, strlen(badm[i].text), 0, &j, &e);
        CHECK_INT(rc, DSE_ECONFIG);
        dse_job_destroy(&j);
        if (e.line != badm[i].line || e.col != badm[i].col || !strstr(e.msg, badm[i].msg))
            dse__test_fail(__FILE__, __LINE__, "case '%s': %d:%d %s", badm[i].name, e.line,
                           e.col, e.msg);
    }
#undef RF
#undef EV
}
