/* The pieces of issue 13's structure: the tables every family is looked
 * up in, the lookups they replaced, and the flag that replaced a global. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "config/strategy.h"
#include "core/job.h"
#include "core/space.h"
#include "core/util.h"
#include "core/wire.h"
#include "eval/unit.h"
#include "hwmodels/hwmodel.h"
#include "kernels/catalogue.h"
#include "tests/test.h"

static dse_job_t *s_load(const char *text)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_parse("arch.toml", text, strlen(text), 0, &job, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "config: %s", err.msg);
        return NULL;
    }
    return job;
}

/* dse_space_find is the inverse of decoding, on every point of a space
 * with an uneven radix, and names the first value outside the domains. */
DSE_TEST(arch_space_find)
{
    const double a[] = {1, 2, 4}, b[] = {0.5, 8}, c[] = {3, 5, 7, 9, 11};
    const double *v[] = {a, b, c};
    const size_t n[] = {3, 2, 5};
    dse_error_t err = DSE_ERROR_INIT;
    dse_space_t *s = dse_space_new(3, v, n, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    for (uint64_t i = 0; i < s->size; i++) {
        double p[3];
        uint64_t back = UINT64_MAX;
        dse_space_decode(s, i, p);
        CHECK_INT(dse_space_find(s, p, &back), 0);
        CHECK_INT(back, i);
    }
    double miss[3] = {2, 0.25, 7};
    uint64_t idx = 42;
    CHECK_INT(dse_space_find(s, miss, &idx), -2); /* parameter 1 */
    CHECK_INT(idx, 42);                           /* left alone */
    miss[1] = 8, miss[2] = 6;
    CHECK_INT(dse_space_find(s, miss, &idx), -3);
    dse_space_destroy(&s);
}

/* The strategy table: names, the model's baselines as strategies, the
 * budget rules, and the "unknown strategy" message listing the table. */
DSE_TEST(arch_strategies)
{
    static const char *const declared[] = {"exhaustive", "random", "nsga2", "refine"};
    for (size_t i = 0; i < sizeof declared / sizeof *declared; i++) {
        const dse_strategy_decl_t *d = dse_strategy_decl((dse_strategy_id_t)i);
        CHECK(d != NULL);
        CHECK_STR(d->name, declared[i]);
        CHECK_INT(d->id, i);
    }
    CHECK(dse_strategy_decl(DSE_STRATEGY_BASELINE)->name == NULL);
    CHECK(dse_strategy_decl(DSE_STRATEGY__COUNT) == NULL);
    CHECK(dse_strategy_decl(DSE_STRATEGY_REFINE)->measured);

    const char *finn = "[target]\nmodel = \"finn\"\nhardware = \"pynq-z1\"\n"
                       "[workload]\ndtype = \"int8\"\nsteps = [\"fw\"]\n"
                       "[[workload.layer]]\nname = \"conv\"\nop = \"conv2d\"\n"
                       "in_shape = [8, 6, 6]\nout_channels = 8\nkernel = [3, 3]\n"
                       "weight_bits = 1\nact_bits = 1\nout_bits = 1\n";
    dse_job_t *job = s_load(finn);
    if (!job)
        return;
    CHECK_INT(dse_strategy_find(job, "nsga2"), DSE_STRATEGY_NSGA2);
    CHECK_INT(dse_strategy_find(job, "setfolding"), DSE_STRATEGY_BASELINE);
    CHECK_INT(dse_strategy_find(job, "greedy"), DSE_STRATEGY_BASELINE);
    CHECK_INT(dse_strategy_find(job, "nsga"), -1);
    const char **names;
    size_t nn = dse_strategy_names(job, &names);
    CHECK_INT(nn, 6);
    CHECK_STR(names[0], "exhaustive");
    CHECK_STR(names[4], "setfolding");
    free(names);

    uint64_t all = job->layers[0].space->size;
    CHECK_INT(dse_strategy_budget(job), all); /* exhaustive */
    free(job->strategy);
    job->strategy = dse_xstrdup("random");
    job->budget = 3;
    CHECK_INT(dse_strategy_budget(job), all < 3 ? all : 3);
    job->budget = 0;
    CHECK_INT(dse_strategy_budget(job), all < 1000000 ? all : 1000000);
    free(job->strategy);
    job->strategy = dse_xstrdup("greedy");
    CHECK_INT(dse_strategy_budget(job), 1); /* one point per layer */
    dse_job_destroy(&job);

    /* a name from neither table: the message lists both */
    char bad[1024];
    snprintf(bad, sizeof bad, "%s[search]\nstrategy = \"setfoldin\"\n", finn);
    dse_error_t err = DSE_ERROR_INIT;
    CHECK(dse_config_parse("arch.toml", bad, strlen(bad), 0, &job, &err) != 0);
    CHECK(strstr(err.msg, "exhaustive, random, nsga2, refine, setfolding, greedy") != NULL);
    CHECK(strstr(err.msg, "did you mean 'setfolding'") != NULL);
    /* refine is declared measured: without [evaluator] it is refused */
    snprintf(bad, sizeof bad, "%s[search]\nstrategy = \"refine\"\n", finn);
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK(dse_config_parse("arch.toml", bad, strlen(bad), 0, &job, &err) != 0);
    CHECK(strstr(err.msg, "needs [evaluator] kind = \"command\"") != NULL);
}

/* One table of step names; kernel names from catalogue.h's list. */
DSE_TEST(arch_names)
{
    CHECK_STR(dse_step_name(0), "fw");
    CHECK_STR(dse_step_name(1), "wg");
    CHECK_STR(dse_step_name(2), "ig");
    CHECK(dse_step_name(DSE_N_STEPS) == NULL);
    for (unsigned i = 0; i < DSE_N_STEPS; i++)
        CHECK_INT(dse_step_bit(dse_step_name(i), strlen(dse_step_name(i))), 1u << i);
    CHECK_INT(dse_step_bit("fwd", 3), 0);
    CHECK_INT(dse_step_bit("fw", 1), 0);
#define S_NAME(name, ...) #name,
    static const char *const fp32[] = {DSE_MM_FP32_KERNELS(S_NAME)};
    static const char *const fp16[] = {DSE_MM_FP16_KERNELS(S_NAME)};
#undef S_NAME
    for (int i = 0; i < DSE_MM_FP32_COUNT; i++)
        CHECK_STR(dse_mm_fp32[i].name, fp32[i]);
    for (int i = 0; i < DSE_MM_FP16_COUNT; i++)
        CHECK_STR(dse_mm_fp16[i].name, fp16[i]);
    /* the model's matmul values are "best" then the catalogue in order */
    const dse_hwmodel_t *m = dse_model_find("pulp-cluster");
    int p = dse_model_param(m, "matmul");
    CHECK(p >= 0);
    if (p >= 0) {
        const char *const *ch = m->params[p].choices;
        CHECK_STR(ch[0], "best");
        CHECK_STR(ch[1], dse_mm_fp32[0].name);
        CHECK_STR(ch[1 + DSE_MM_FP32_COUNT], dse_mm_fp16[0].name);
        CHECK(ch[1 + DSE_MM_FP32_COUNT + DSE_MM_FP16_COUNT] == NULL);
    }
}

/* The wire's command list, the unit-id layout and the unit <-> WORK bridge. */
DSE_TEST(arch_wire_tables)
{
    static const struct { int cmd; const char *name; } cmds[] = {
        {1, "READY"}, {2, "JOB"}, {3, "WORK"}, {4, "RESULT"}, {5, "FAIL"}, {6, "HEARTBEAT"},
        {7, "DISCONNECT"}, {16, "SUBMIT"}, {17, "ACCEPT"}, {18, "PROGRESS"},
        {19, "LAYER_FRONT"}, {20, "DONE"}, {21, "ERROR"}, {22, "CANCEL"}};
    size_t known = 0;
    for (int c = -1; c < 300; c++) {
        const char *nm = dse_wire_cmd_name(c);
        if (!nm)
            continue;
        known++;
        int found = 0;
        for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
            if (cmds[i].cmd == c) {
                CHECK_STR(nm, cmds[i].name);
                found = 1;
            }
        CHECK(found);
    }
    CHECK_INT(known, sizeof cmds / sizeof *cmds);
    /* DISCONNECT: an empty body both ways */
    dse_msg_view_t m = {.cmd = DSE_MSG_DISCONNECT};
    dse_msg_t d;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_wire_encode(&m, &sb);
    CHECK_INT(sb.len, DSE_WIRE_SIG_LEN + 1);
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, &err), 0);
    CHECK_INT(d.cmd, DSE_MSG_DISCONNECT);
    dse_msg_release(&d);
    dse_strbuf_release(&sb);

    uint64_t w = dse_wire_unit(123, 456);
    CHECK_INT(dse_wire_unit_job(w), 123);
    CHECK_INT(w & DSE_WIRE_UNIT_MASK, 456);

    CHECK_INT(DSE_UNIT_RANGE, DSE_WORK_RANGE);
    CHECK_INT(DSE_UNIT_LIST, DSE_WORK_LIST);
    CHECK_INT(DSE_UNIT_SHUFFLED, DSE_WORK_SHUFFLED);
    static const uint64_t idx[] = {3, 9, 27};
    dse_unit_t u = {.layer = 2, .kind = DSE_UNIT_LIST, .lo = 3, .hi = 28, .key = 77,
                    .indices = idx, .n = 3};
    /* a unit goes out in a WORK view and comes back from the decoded WORK */
    dse_msg_view_t wv = {.cmd = DSE_MSG_WORK};
    wv.work.digest = "beef";
    dse_unit_to_work(&u, &wv.work);
    CHECK(wv.work.indices == idx);
    dse_wire_encode(&wv, &sb);
    int drc = dse_wire_decode(sb.buf, sb.len, &d, &err);
    CHECK_INT(drc, 0);
    if (drc) {
        dse_strbuf_release(&sb);
        return;
    }
    dse_unit_t back;
    dse_unit_from_work(&d.work, &back);
    CHECK_INT(back.layer, 2);
    CHECK_INT(back.kind, DSE_UNIT_LIST);
    CHECK_INT(back.lo, 0); /* a list sends its indices only */
    CHECK_INT(back.hi, 0);
    CHECK_INT(back.key, 0);
    CHECK(back.indices == d.work.indices);
    CHECK_INT(back.n, 3);
    CHECK(back.indices[0] == 3 && back.indices[1] == 9 && back.indices[2] == 27);
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
}

/* "In a worker" reaches the test model as a flag to prepare: its fault
 * point aborts only a context prepared with DSE_PREPARE_IN_WORKER. */
DSE_TEST(arch_prepare_flag)
{
    const char *text = "[target]\nmodel = \"testfn\"\n[[workload.layer]]\nname = \"a\"\n"
                       "op = \"elementwise\"\nin_shape = [1]\nn = 8\ncrash_x3 = 2\n";
    dse_job_t *job = s_load(text);
    if (!job)
        return;
    const dse_hwmodel_t *m = job->model;
    const double x[3] = {1, 1, 2}; /* the fault point (crash_x1, crash_x2 = 0: any) */
    double f[DSE_MAX_METRICS];
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(m->prepare(job, 0, 0, &ctx, &err), 0);
    CHECK_INT(m->evaluate(ctx, x, f), 1); /* outside a worker: evaluated */
    m->release(ctx);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL);
        void *wctx = NULL;
        if (m->prepare(job, 0, DSE_PREPARE_IN_WORKER, &wctx, &err) != 0)
            _exit(2);
        m->evaluate(wctx, x, f);
        _exit(0); /* not reached when the flag works */
    }
    CHECK(pid > 0);
    int status = 0;
    if (pid > 0)
        CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    dse_job_destroy(&job);
}
