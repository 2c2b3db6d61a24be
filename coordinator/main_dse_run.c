/* main_dse_run.c - the dse-run program: validate a job, run it (embedded or
 * on a standing coordinator), compose the network front, write the outputs. */
#include <czmq.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coordinator/calibrate.h"
#include "coordinator/client.h"
#include "coordinator/coord.h"
#include "coordinator/journal.h"
#include "coordinator/mcache.h"
#include "core/cli.h"
#include "config/config.h"
#include "config/evaluator.h"
#include "core/job.h"
#include "core/network.h"
#include "core/onnx.h"
#include "outputs/outputs.h"
#include "core/topo.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "eval/eval.h"
#include "eval/explain.h"

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_coord_stop;

static void s_list_keys(const dse_key_decl_t *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char dflt[64] = "required";
        if (k[i].kind == DSE_VAL_ENUM)
            snprintf(dflt, sizeof dflt, "\"%s\"", k[i].choices[(size_t)k[i].dflt]);
        else if (!isnan(k[i].dflt))
            dse_fmt_double(dflt, sizeof dflt, k[i].dflt);
        printf("    %-22s %-10s %s%s%s%s\n", k[i].name, dflt, k[i].doc ? k[i].doc : "",
               k[i].unit && k[i].unit[0] ? " [" : "", k[i].unit && k[i].unit[0] ? k[i].unit : "",
               k[i].unit && k[i].unit[0] ? "]" : "");
        if (k[i].kind == DSE_VAL_ENUM) {
            printf("    %-22s %-10s one of:", "", "");
            for (size_t c = 0; k[i].choices[c]; c++)
                printf(" %s", k[i].choices[c]);
            printf("\n");
        }
    }
}

/* Prints every model's declarations: the reference of model-specific keys. */
static void s_models(void)
{
    static const char *const aggs[] = {"sum", "max", "mean", "-"};
    for (size_t i = 0; i < dse_model_count(); i++) {
        const dse_hwmodel_t *m = dse_model_at(i);
        printf("model \"%s\": %s%s\n", m->name, m->doc ? m->doc : "",
               m->evaluate ? "" : " (cost function not built: validates, does not run)");
        if (m->default_preset)
            printf("  default preset: %s\n", m->default_preset);
        printf("  ops:");
        for (int o = 0; o < DSE_OP__COUNT; o++)
            if (m->ops & (1u << o))
                printf(" %s", dse_op_name((dse_op_t)o));
        printf("\n  dtypes:");
        for (int d = 0; d < DSE_DTYPE__COUNT; d++)
            if (m->dtypes & (1u << d))
                printf(" %s", dse_dtype_name((dse_dtype_t)d));
        printf("\n  hardware keys ([target] or a preset; name, default, meaning):\n");
        s_list_keys(m->preset_keys, m->n_preset_keys);
        if (m->n_layer_keys) {
            printf("  layer keys ([[workload.layer]]):\n");
            s_list_keys(m->layer_keys, m->n_layer_keys);
        }
        printf("  parameters ([space] or a layer's space; name, default domain, meaning):\n");
        for (size_t p = 0; p < m->n_params; p++) {
            const dse_param_decl_t *d = &m->params[p];
            printf("    %-22s %-10s %s\n", d->name, d->dflt ? d->dflt : "", d->doc ? d->doc : "");
            if (d->kind == DSE_VAL_ENUM) {
                printf("    %-22s %-10s one of:", "", "");
                size_t c = 0;
                for (; d->choices[c] && c < 8; c++)
                    printf(" %s", d->choices[c]);
                if (d->choices[c]) {
                    size_t n = c;
                    while (d->choices[n])
                        n++;
                    printf(" ... (%zu in all)", n);
                }
                printf("\n");
            }
        }
        printf("  metrics per layer:");
        for (size_t k = 0; k < m->n_metrics; k++)
            printf(" %s", m->metrics[k].name);
        printf("\n  network metrics (objectives and constraints name these):\n");
        for (size_t k = 0; k < m->n_net_metrics; k++)
            printf("    %-22s %s of %s\n", m->net_metrics[k].name,
                   aggs[m->net_metrics[k].agg], m->net_metrics[k].source);
        printf("  default objectives:");
        for (size_t k = 0; m->default_objectives && m->default_objectives[k]; k++)
            printf(" %s", m->default_objectives[k]);
        if (m->baselines) {
            printf("\n  baselines (baselines.csv):");
            for (size_t k = 0; m->baselines[k]; k++)
                printf(" %s", m->baselines[k]);
        }
        printf("\n\n");
    }
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dse-run CONFIG.toml [options]\n"
            "       dse-run --resume OUTPUT_FOLDER [options]\n"
            "       dse-run --import NET.onnx --model NAME [--check] [--onnx-ignore A,B]\n"
            "\n"
            "Explores the design space of the job in CONFIG.toml and writes its Pareto\n"
            "fronts into the job's output folder. With no --coordinator, runs a\n"
            "coordinator and local workers (one per physical core) itself.\n"
            "\n"
            "options:\n"
            "  --check                validate the job and print its spaces; run nothing (with\n"
            "                         an onnx job or --import: what became of each node)\n"
            "  --import NET.onnx      print the job importing NET.onnx as TOML, layers written\n"
            "                         out (needs --model); run nothing\n"
            "  --model NAME           the model --import maps the graph onto\n"
            "  --onnx-ignore A,B      op_types --import drops knowingly (onnx_ignore)\n"
            "  --models               list the models with every key, parameter and metric\n"
            "  --workers N            local workers (default: [cluster] workers, else one per core)\n"
            "  --coordinator ENDPOINT submit to a standing coordinator, named by its worker\n"
            "                         endpoint: tcp://hostA:5555 means workers on port 5555\n"
            "                         and dse-run (a client) on port 5556, the next one\n"
            "  --client-endpoint EP   the coordinator's client endpoint exactly, as\n"
            "                         dse-coordinator prints it (tcp://hostA:6000, ipc://PATH);\n"
            "                         alone, or with --coordinator when the client port is not\n"
            "                         the worker port plus one\n"
            "  --output DIR           write the outputs here instead of [job] output\n"
            "  --dump-all             also write all_points.csv (every feasible point)\n"
            "  --plot-layers          pareto.svg also plots each layer's front\n"
            "  --timeout S            give up after S seconds without the coordinator (60)\n"
            "  --key FILE             CURVE, with a coordinator started with --keys: this\n"
            "                         user's pair (NAME.key of dse-keygen; NAME.pub goes\n"
            "                         into the coordinator's KEYS/allowed/clients/)\n"
            "  --coordinator-key FILE the coordinator's public key (its .pub)\n"
            "  --allow-command[=PROG] let the local workers run the job's [evaluator] command\n"
            "                         (with PROG, an absolute path, only that program)\n"
            "  --cache DIR            cache of measured points (default $XDG_CACHE_HOME/dse/measured)\n"
            "  --no-cache             measure every point again\n"
            "  --keep-failed          keep the working folder of a point that failed\n"
            "  --resume               continue the interrupted run kept in the output\n"
            "                         folder (OUT/.dse-state): dse-run --resume OUT, or\n"
            "                         dse-run CONFIG --resume [--output OUT]\n"
            "  --calibrate            fit the model's calibratable keys to the cached\n"
            "                         measurements of the job: writes calibrated-NAME.toml\n"
            "  -v, --verbose          say what happens\n"
            "  -q, --quiet            no progress line\n"
            "  -h, --help             this text\n"
            "\n"
            "exit status: 0 done; 1 bad config or failure; 2 bad usage; 3 done but some\n"
            "units were quarantined (fronts incomplete, see summary.json); 130 interrupted.\n");
}

/* Path of a program installed beside this one. */
static int s_sibling(const char *name, char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    if (strlen(self) + strlen(name) + 2 > size)
        return -1;
    strcpy(out, self);
    strcat(out, "/");
    strcat(out, name);
    return access(out, X_OK) == 0 ? 0 : -1;
}

/* Measured jobs: what the local workers may run. */
static const char *s_allow; /* NULL = no commands; "" = any; else the one program */
static int s_keep_failed;

static pid_t s_spawn_worker(const char *prog, const char *endpoint, const dse_job_t *job,
                            int index, int verbose)
{
    char allow[4200];
    snprintf(allow, sizeof allow, "--allow-command%s%s", s_allow && *s_allow ? "=" : "",
             s_allow ? s_allow : "");
    char hb[32], misses[16], core[16];
    snprintf(core, sizeof core, "%d", index);
    snprintf(hb, sizeof hb, "%g", job->heartbeat_s);
    snprintf(misses, sizeof misses, "%d", job->heartbeat_misses);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* the worker goes when dse-run goes, however it goes */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    const char *argv[24];
    int a = 0;
    argv[a++] = prog;
    argv[a++] = "--connect";
    argv[a++] = endpoint;
    argv[a++] = "--threads";
    argv[a++] = "1";
    argv[a++] = "--heartbeat";
    argv[a++] = hb;
    argv[a++] = "--heartbeat-misses";
    argv[a++] = misses;
    argv[a++] = "--death-timeout";
    argv[a++] = "30";
    argv[a++] = "--first-core"; /* one core each */
    argv[a++] = core;
    if (verbose)
        argv[a++] = "--verbose";
    if (s_allow && job->evaluator) {
        argv[a++] = allow;
        /* the local host is where the user chose to measure: it has the tag */
        if (job->evaluator->requires[0]) {
            argv[a++] = "--tag";
            argv[a++] = job->evaluator->requires;
        }
        if (s_keep_failed)
            argv[a++] = "--keep-failed";
    }
    argv[a] = NULL;
    execv(prog, (char *const *)argv);
    fprintf(stderr, "dse-run: cannot start %s: %s\n", prog, strerror(errno));
    _exit(127);
}


/* ------------------------------------------------------- an embedded run's state */

/* An embedded run keeps its coordinator's journal in OUT/.dse-state, beside
 * a file `run` naming the job file (absolute) and the options that shape
 * its outputs, so that `dse-run --resume OUT` can run it again. The state
 * goes when the run ends, unless it was interrupted or killed. */
#define S_STATE ".dse-state"

static char *s_state_dir(const char *out)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/%s", out, S_STATE);
    return dse_strbuf_detach(&sb, NULL);
}

static void s_state_remove(const char *state)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/journal", state);
    unlink(path);
    snprintf(path, sizeof path, "%s/run", state);
    unlink(path);
    rmdir(state);
}

static int s_state_write(const char *state, const char *config, int dump_all, int plot_layers,
                         dse_error_t *err)
{
    char abs[PATH_MAX];
    if (!realpath(config, abs))
        return dse_error_set(err, DSE_EIO, config, 0, 0, "cannot resolve the path: %s",
                             strerror(errno));
    if (strchr(abs, '\n'))
        return dse_error_set(err, DSE_EINVAL, config, 0, 0, "a job file whose path holds a "
                             "newline cannot be resumed");
    if (dse_mkdir_p(state, err) != 0)
        return err->code;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "config %s\ndump_all %d\nplot_layers %d\n", abs, dump_all, plot_layers);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/run", state);
    int rc = dse_write_file_atomic(path, sb.buf, sb.len, err);
    dse_strbuf_release(&sb);
    return rc;
}

/* Reads OUT/.dse-state/run: the job file and the options. */
static int s_state_read(const char *out, char **config, int *dump_all, int *plot_layers,
                        dse_error_t *err)
{
    char *state = s_state_dir(out);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/run", state);
    free(state);
    char *text = NULL;
    size_t len = 0;
    dse_error_t e = DSE_ERROR_INIT;
    if (dse_read_file_max(path, 65536, &text, &len, &e) != 0)
        return dse_error_set(err, DSE_ENOTFOUND, out, 0, 0, "no interrupted run to resume here "
                             "(%s: %s)", path, e.msg);
    *config = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "config ", 7) == 0)
            *config = dse_xstrdup(line + 7);
        else if (strncmp(line, "dump_all ", 9) == 0)
            *dump_all = atoi(line + 9) != 0;
        else if (strncmp(line, "plot_layers ", 12) == 0)
            *plot_layers = atoi(line + 12) != 0;
    }
    free(text);
    if (!*config || !**config) {
        free(*config);
        *config = NULL;
        return dse_error_set(err, DSE_EPARSE, path, 0, 0, "names no job file");
    }
    return 0;
}

/* Before an embedded run: whether OUT/.dse-state holds an interrupted run
 * of this job text. 1 = it does (resume it); 0 = nothing to resume (a state
 * of another text is discarded, with a line, unless `resume`, which then
 * fails); < 0 = an error (for --resume). */
static int s_state_check(const char *state, const char *out, const char *canonical, int resume,
                         dse_error_t *err)
{
    char **texts = NULL;
    size_t n = 0;
    dse_error_t e = DSE_ERROR_INIT;
    int rc = dse_journal_live_texts(state, &texts, &n, &e);
    int same = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        same |= strcmp(texts[i], canonical) == 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        free(texts[i]);
    free(texts);
    if (same)
        return 1;
    if (resume) {
        if (rc == DSE_ENOTFOUND || (rc == 0 && n == 0))
            return dse_error_set(err, DSE_ENOTFOUND, out, 0, 0, "no interrupted run to resume "
                                 "here (no job in %s)", state);
        if (rc)
            return dse_error_set(err, rc, out, 0, 0, "cannot resume: %s: %s", e.file, e.msg);
        return dse_error_set(err, DSE_ECONFIG, out, 0, 0, "cannot resume: the interrupted run "
                             "kept here is of another job text (the job file or a file it "
                             "reads changed since); run it without --resume to start afresh");
    }
    if (rc != DSE_ENOTFOUND && (rc != 0 || n > 0)) {
        /* said even with -q: work is dropped */
        fprintf(stderr, "dse-run: %s held an interrupted run of %s: starting afresh\n", state,
                rc ? "a damaged journal" : "another job text");
        s_state_remove(state);
    }
    return 0;
}

/* dse-run --calibrate JOB: fits the model's calibratable keys to the
 * cached measurements of the job and writes calibrated-NAME.toml into the
 * job's output folder. */
static int s_calibrate(dse_job_t **job_p, const char *cache, int no_cache)
{
    dse_job_t *job = *job_p;
    if (!job->evaluator || no_cache) {
        fprintf(stderr, "dse-run: %s: --calibrate fits the model to the cached measurements of "
                "a job with [evaluator] kind = \"command\"%s\n", job->path,
                no_cache ? " (not with --no-cache)" : "");
        dse_job_destroy(job_p);
        return 1;
    }
    char *dir = cache ? dse_xstrdup(cache) : dse_mcache_default_dir();
    dse_error_t err = DSE_ERROR_INIT;
    dse_evaljob_t *ej = NULL;
    dse_mcache_t *c = NULL;
    int rc = 1;
    if (!dir) {
        fprintf(stderr, "dse-run: no cache folder: give --cache DIR\n");
        dse_job_destroy(job_p);
        return 1;
    }
    if (dse_evaljob_new(job_p, &ej, &err) != 0 || !(c = dse_mcache_open(dir, &err)) ||
        dse_mkdir_p(ej->job->output, &err) != 0) {
        dse_error_print(&err, stderr);
        goto out;
    }
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/calibrated-%s.toml", ej->job->output, ej->job->name);
    char *path = dse_strbuf_detach(&sb, NULL);
    dse_calibration_t cal;
    if (dse_calibrate(ej, c, path, &cal, &err) != 0) {
        dse_error_print(&err, stderr);
    } else {
        printf("%s: %zu measured points; rms of log(model / measured) %.4f -> %.4f, mean "
               "relative error %.2f%% -> %.2f%%; written to %s\n", ej->job->name, cal.points,
               cal.rms_before, cal.rms_after, 100 * cal.mean_before, 100 * cal.mean_after, path);
        rc = 0;
    }
    free(path);
out:
    dse_mcache_destroy(&c);
    dse_evaljob_destroy(&ej);
    free(dir);
    return rc;
}

/* The progress line of the composition: the pass, the layer, the partial
 * networks kept and the time so far, on the terminal. */
typedef struct {
    double t0;
    int shown;
} s_compose_t;

static void s_compose_progress(void *arg, int pass, size_t layer, size_t n_layers,
                               size_t partials)
{
    s_compose_t *cp = arg;
    cp->shown = 1;
    fprintf(stderr, "  composing the network front: pass %d, layer %zu of %zu, %zu partial "
                    "networks, %.0f s   \r", pass, layer + 1, n_layers, partials,
            dse_now() - cp->t0);
}

static void *s_coord_thread(void *arg)
{
    dse_coord_run(arg);
    return NULL;
}

/* Splits "A,B,C" into a NULL-terminated array of strings (caller frees both). */
static char **s_split(const char *list, size_t *n)
{
    char *copy = dse_xstrdup(list ? list : "");
    size_t cap = 1;
    for (const char *p = copy; *p; p++)
        cap += *p == ',';
    char **out = dse_xcalloc(cap + 1, sizeof *out);
    *n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        out[(*n)++] = dse_xstrdup(t);
    free(copy);
    return out;
}

static void s_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* Prints what became of each node of the job's ONNX file. */
static int s_print_nodes(const char *path, const dse_hwmodel_t *m, char **ignore,
                         size_t n_ignore)
{
    dse_onnx_opts_t o = {.ops = m->ops, .model = m->name, .ignore = (const char *const *)ignore,
                         .n_ignore = n_ignore, .batch = 1,
                         .repeat = dse_model_layer_key(m, "repeat") >= 0};
    dse_network_t *net = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_onnx_import(path, &o, &net, &err)) {
        dse_error_print(&err, stderr);
        return 1;
    }
    dse_network_print_nodes(net, stdout);
    dse_network_destroy(&net);
    return 0;
}

/* dse-run --import NET.onnx --model NAME: the equivalent job, layers written
 * out, validated before anything is printed. */
static int s_import(const char *path, const char *model, const char *ignore_list, int check)
{
    const dse_hwmodel_t *m = model ? dse_model_find(model) : NULL;
    if (!m) {
        fprintf(stderr, "dse-run: --import needs --model NAME (one of:");
        for (size_t i = 0; i < dse_model_count(); i++)
            fprintf(stderr, " %s", dse_model_at(i)->name);
        fprintf(stderr, ")%s%s\n", model ? "; unknown model " : "", model ? model : "");
        return 2;
    }
    size_t n_ignore = 0;
    char **ignore = s_split(ignore_list, &n_ignore);
    int rc = 0;
    if (check) {
        rc = s_print_nodes(path, m, ignore, n_ignore);
        s_free_list(ignore, n_ignore);
        return rc;
    }
    /* the job text with onnx = ..., validated as a job beside the file ... */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char name[128];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "[job]\nname = \"%s\"\noutput = \"results/%s\"\n\n[target]\nmodel = "
                    "\"%s\"\n\n[workload]\nonnx = \"%s\"\n", name, name, m->name, base);
    if (n_ignore) {
        dse_strbuf_adds(&sb, "onnx_ignore = [");
        for (size_t i = 0; i < n_ignore; i++) {
            dse_strbuf_adds(&sb, i ? ", \"" : "\"");
            for (const char *p = ignore[i]; *p; p++)
                if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                    dse_strbuf_addc(&sb, *p);
            dse_strbuf_adds(&sb, "\"");
        }
        dse_strbuf_adds(&sb, "]\n");
    }
    char *probe = dse_strbuf_detach(&sb, NULL);
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    char jobname[4200];
    snprintf(jobname, sizeof jobname, "%.*s%s.import.toml",
             (int)(base - path), path, name); /* beside the ONNX file, for presets */
    rc = dse_config_parse(jobname, probe, strlen(probe), 0, &job, &err);
    free(probe);
    if (rc) {
        if (strcmp(err.file, jobname) == 0) /* the probe job is not a file the user has */
            err.file[0] = '\0', err.line = err.col = 0;
        dse_error_print(&err, stderr);
        s_free_list(ignore, n_ignore);
        return 1;
    }
    /* ... then printed with the layers written out, as the import made them */
    dse_onnx_opts_t o = {.ops = m->ops, .model = m->name, .ignore = (const char *const *)ignore,
                         .n_ignore = n_ignore, .batch = 1,
                         .repeat = dse_model_layer_key(m, "repeat") >= 0};
    dse_network_t *net = NULL;
    rc = dse_onnx_import(job->onnx, &o, &net, &err);
    if (rc) {
        dse_error_print(&err, stderr);
    } else {
        const char *keys[DSE_MAX_LAYER_KEYS];
        for (size_t k = 0; k < m->n_layer_keys && k < DSE_MAX_LAYER_KEYS; k++)
            keys[k] = m->layer_keys[k].name;
        /* the graph says what feeds what; the printed job says it too where a
         * layer does not take the previous one's output */
        for (size_t i = 1; i < dse_network_n_layers(net) && i < job->n_layers; i++)
            dse_network_layer(net, i)->unchained =
                !dse_layer_follows(&job->layers[i - 1], &job->layers[i]);
        char *layers = dse_network_toml(net, keys, m->n_layer_keys);
        printf("# Imported from %s by dse-run --import --model %s: %zu nodes, %zu layers.\n"
               "# Layer names are the node names made CSV-safe (see README, \"Bring your\n"
               "# network\"); `dse-run --import %s --model %s --check` lists each node's fate.\n",
               path, m->name, dse_network_n_nodes(net), dse_network_n_layers(net), path,
               m->name);
        for (size_t i = 0; i < job->n_onnx_dropped; i++)
            printf("# dropped (onnx_ignore): %s\n", job->onnx_dropped[i]);
        char batch[64] = "";
        if (job->batch > 1) /* a fixed batch in the graph's input */
            snprintf(batch, sizeof batch, "batch = %lld\n", (long long)job->batch);
        printf("[job]\nname = \"%s\"\noutput = \"results/%s\"\n\n[target]\nmodel = \"%s\"\n"
               "hardware = \"%s\"\n\n[workload]\ndtype = \"%s\"\nsteps = [\"fw\"]\n%s%s\n"
               "[search]\nstrategy = \"exhaustive\"\n",
               name, name, m->name, job->hardware, dse_dtype_name(job->dtype), batch, layers);
        free(layers);
        dse_network_destroy(&net);
    }
    dse_job_destroy(&job);
    s_free_list(ignore, n_ignore);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *coordinator = NULL, *output = NULL, *client_endpoint = NULL;
    const char *cache = NULL, *key = NULL, *coordinator_key = NULL;
    const char *import = NULL, *model = NULL, *onnx_ignore = NULL;
    int no_cache = 0, calibrate = 0, resume = 0;
    char *resume_config = NULL;
    int check = 0, workers = -1, dump_all = 0, plot_layers = 0, verbose = 0, quiet = 0;
    double timeout = 60;
    char client_ep_buf[512] = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        if (strcmp(a, "--check") == 0) {
            check = 1;
        } else if (strcmp(a, "--models") == 0) {
            s_models();
            return 0;
        } else if (strcmp(a, "--workers") == 0 && has_next) {
            double n;
            if (dse_cli_number("dse-run", a, argv[++i], 1, 1024, &n))
                return 2;
            if (n != (int)n) {
                fprintf(stderr, "dse-run: --workers takes a whole number (got '%s')\n", argv[i]);
                return 2;
            }
            workers = (int)n;
        } else if (strcmp(a, "--import") == 0 && has_next) {
            import = argv[++i];
        } else if (strcmp(a, "--model") == 0 && has_next) {
            model = argv[++i];
        } else if (strcmp(a, "--onnx-ignore") == 0 && has_next) {
            onnx_ignore = argv[++i];
        } else if (strcmp(a, "--coordinator") == 0 && has_next) {
            coordinator = argv[++i];
            if (dse_cli_endpoint("dse-run", a, coordinator, "tcp://hostA:5555"))
                return 2;
            if (strncmp(coordinator, "tcp://", 6) == 0 &&
                dse_client_endpoint_for(coordinator, client_ep_buf, sizeof client_ep_buf) != 0) {
                fprintf(stderr, "dse-run: --coordinator needs the worker endpoint with its port, "
                                "like tcp://hostA:5555 (got '%s')\n", coordinator);
                return 2;
            }
        } else if (strcmp(a, "--client-endpoint") == 0 && has_next) {
            client_endpoint = argv[++i];
            if (dse_cli_endpoint("dse-run", a, client_endpoint, "tcp://hostA:5556"))
                return 2;
        } else if (strcmp(a, "--key") == 0 && has_next) {
            key = argv[++i];
        } else if (strcmp(a, "--coordinator-key") == 0 && has_next) {
            coordinator_key = argv[++i];
        } else if (strcmp(a, "--output") == 0 && has_next) {
            output = argv[++i];
        } else if (strcmp(a, "--timeout") == 0 && has_next) {
            if (dse_cli_number("dse-run", a, argv[++i], 0.1, 1e7, &timeout))
                return 2;
        } else if (strcmp(a, "--allow-command") == 0 ||
                   strncmp(a, "--allow-command=", 16) == 0) {
            s_allow = a[15] == '=' ? a + 16 : "";
            if (*s_allow && s_allow[0] != '/') {
                fprintf(stderr, "dse-run: --allow-command=PROGRAM takes an absolute path "
                        "(got '%s')\n", s_allow);
                return 2;
            }
        } else if (strcmp(a, "--calibrate") == 0) {
            calibrate = 1;
        } else if (strcmp(a, "--resume") == 0) {
            resume = 1;
        } else if (strcmp(a, "--keep-failed") == 0) {
            s_keep_failed = 1;
        } else if (strcmp(a, "--cache") == 0 && has_next) {
            cache = argv[++i];
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = 1;
        } else if (strcmp(a, "--dump-all") == 0) {
            dump_all = 1;
        } else if (strcmp(a, "--plot-layers") == 0) {
            plot_layers = 1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "dse-run: unknown option '%s'%s\n", a,
                    has_next ? "" : " (or it lacks its value)");
            s_usage(stderr);
            return 2;
        } else if (config) {
            fprintf(stderr, "dse-run: one config file only ('%s' and '%s')\n", config, a);
            return 2;
        } else {
            config = a;
        }
    }
    if (import) {
        if (config) {
            fprintf(stderr, "dse-run: --import takes no config file ('%s')\n", config);
            return 2;
        }
        return s_import(import, model, onnx_ignore, check);
    }
    if (model || onnx_ignore) {
        fprintf(stderr, "dse-run: --model and --onnx-ignore go with --import\n");
        return 2;
    }
    if (!config) {
        s_usage(stderr);
        return 2;
    }
    if ((key || coordinator_key) && !coordinator && !client_endpoint) {
        fprintf(stderr, "dse-run: --key and --coordinator-key are for a standing coordinator "
                        "(--coordinator or --client-endpoint); the embedded one needs none\n");
        return 2;
    }
    dse_curve_client_t curve;
    int krc = dse_cli_keys("dse-run", key, coordinator_key, &curve);
    if (krc)
        return krc;
    dse_error_t err = DSE_ERROR_INIT;
    if (resume && (coordinator || client_endpoint || check || calibrate)) {
        fprintf(stderr, "dse-run: --resume continues an embedded run (not with %s; a standing "
                "coordinator started with --state resumes its jobs itself)\n",
                check ? "--check" : calibrate ? "--calibrate" : "--coordinator");
        return 2;
    }
    struct stat cst;
    if (resume && stat(config, &cst) == 0 && S_ISDIR(cst.st_mode)) {
        /* dse-run --resume OUT: the job file and options the run was started with */
        if (output) {
            fprintf(stderr, "dse-run: --resume %s names the output folder: no --output\n", config);
            return 2;
        }
        int saved_dump = 0, saved_plot = 0;
        if (s_state_read(config, &resume_config, &saved_dump, &saved_plot, &err) != 0) {
            dse_error_print(&err, stderr);
            return 1;
        }
        output = config;
        config = resume_config;
        dump_all |= saved_dump;
        plot_layers |= saved_plot;
    }
    dse_job_t *job = NULL;
    if (dse_config_load(config, &job, &err) != 0) {
        dse_error_print(&err, stderr);
        free(resume_config);
        return 1;
    }
    char warning[512];
    if (dse_job_prune_warning(job, warning, sizeof warning))
        fprintf(stderr, "%s: %s\n", config, warning);
    if (check) {
        if (job->onnx && s_print_nodes(job->onnx, job->model, job->onnx_ignore,
                                       job->n_onnx_ignore)) {
            dse_job_destroy(&job);
            return 1;
        }
        dse_job_print(job, stdout);
        dse_job_destroy(&job);
        return 0;
    }
    if (output) {
        free(job->output);
        job->output = dse_xstrdup(output);
    }
    job->dump_all |= dump_all;
    job->plot_layers |= plot_layers;
    if (workers < 0)
        workers = job->workers;
    if (calibrate)
        return s_calibrate(&job, cache, no_cache);
    /* a standing coordinator, named by either of its endpoints */
    int remote = coordinator || client_endpoint;
    if (job->evaluator && !remote && !s_allow) {
        /* before anything is written */
        fprintf(stderr, "dse-run: %s: [evaluator] runs '%s' for each point: the local workers "
                "run commands only with --allow-command (or --allow-command=%s%s)\n", job->path,
                job->evaluator->argv[0], job->evaluator->argv[0][0] == '/' ? "" : "/ABSOLUTE/",
                job->evaluator->argv[0][0] == '/' ? job->evaluator->argv[0] : "PATH");
        dse_job_destroy(&job);
        return 1;
    }
    if (job->evaluator && !remote && s_allow && *s_allow &&
        strcmp(s_allow, job->evaluator->argv[0]) != 0) {
        fprintf(stderr, "dse-run: %s: [evaluator] runs '%s', but --allow-command allows only "
                "'%s'\n", job->path, job->evaluator->argv[0], s_allow);
        dse_job_destroy(&job);
        return 1;
    }
    char *cache_dir = NULL;
    if (job->evaluator && !remote && !no_cache)
        cache_dir = cache ? dse_xstrdup(cache) : dse_mcache_default_dir();
    dse_evaljob_t *ej = NULL;
    if (dse_evaljob_new(&job, &ej, &err) != 0) {
        dse_error_print(&err, stderr);
        return 1;
    }
    /* make sure the output folder can be written before spending the time;
     * it is created only when the outputs are written, so a failed or
     * interrupted run leaves no empty folder */
    if (dse_outputs_check_dir(ej->job->output, &err) != 0) {
        dse_error_print(&err, stderr);
        dse_evaljob_destroy(&ej);
        return 1;
    }
    /* an embedded run keeps its state in the output folder (which it
     * creates for that): an interrupted or killed run is resumed */
    char *state = NULL;
    struct stat ost;
    int made_output = stat(ej->job->output, &ost) != 0;
    if (!remote) {
        state = s_state_dir(ej->job->output);
        int sc = s_state_check(state, ej->job->output, ej->canonical, resume, &err);
        if (sc < 0 || s_state_write(state, config, ej->job->dump_all, ej->job->plot_layers,
                                    &err) != 0) {
            dse_error_print(&err, stderr);
            if (sc >= 0) { /* what this run made of the state */
                s_state_remove(state);
                if (made_output)
                    rmdir(ej->job->output);
            }
            free(state);
            free(resume_config);
            dse_evaljob_destroy(&ej);
            return 1;
        }
        if (sc == 1) /* said even with -q: the run is not what it seems otherwise */
            fprintf(stderr, "dse-run: resuming the interrupted run kept in %s\n", state);
    }

    dse_cli_stop_on_signals(&s_stop);

    dse_coord_t *coord = NULL;
    pthread_t coord_thread;
    pid_t *pids = NULL;
    int n_pids = 0;
    char client_ep[512];
    int rc = 0;
    if (coordinator && !client_endpoint && !client_ep_buf[0]) {
        fprintf(stderr, "dse-run: --coordinator %s has no port to add one to: give the "
                        "coordinator's client endpoint with --client-endpoint\n", coordinator);
        dse_evaljob_destroy(&ej);
        return 2;
    }
    if (coordinator || client_endpoint) {
        snprintf(client_ep, sizeof client_ep, "%s", client_endpoint ? client_endpoint
                                                                    : client_ep_buf);
        if (verbose)
            fprintf(stderr, "dse-run: submitting to %s%s%s\n", client_ep,
                    coordinator ? "; workers connect to " : "", coordinator ? coordinator : "");
    } else {
        char prog[PATH_MAX];
        if (s_sibling("dse-worker", prog, sizeof prog) != 0) {
            fprintf(stderr, "dse-run: cannot find dse-worker beside dse-run\n");
            dse_evaljob_destroy(&ej);
            return 1;
        }
        if (workers <= 0) {
            dse_topo_t *topo = NULL;
            workers = 1;
            if (dse_topo_open(&topo, NULL, &err) == 0) {
                workers = dse_topo_cores(topo);
                dse_topo_destroy(&topo);
            }
            if (workers < 1)
                workers = 1;
        }
        dse_coord_opts_t co = {
            .worker_bind = "tcp://127.0.0.1:*",
            .client_bind = "tcp://127.0.0.1:*",
            .heartbeat_s = ej->job->heartbeat_s,
            .heartbeat_misses = ej->job->heartbeat_misses,
            .max_attempts = ej->job->max_attempts,
            .unit_seconds = ej->job->unit_seconds,
            .cache_dir = cache_dir,
            .verbose = verbose,
            .state_dir = state,
            .stop = &s_coord_stop,
        };
        coord = dse_coord_new(&co, &err);
        if (!coord) {
            dse_error_print(&err, stderr);
            dse_evaljob_destroy(&ej);
            return 1;
        }
        snprintf(client_ep, sizeof client_ep, "%s", dse_coord_client_endpoint(coord));
        pthread_create(&coord_thread, NULL, s_coord_thread, coord);
        pids = dse_xcalloc((size_t)workers, sizeof *pids);
        for (int i = 0; i < workers; i++) {
            pid_t pid = s_spawn_worker(prog, dse_coord_worker_endpoint(coord), ej->job, i, verbose);
            if (pid > 0)
                pids[n_pids++] = pid;
        }
        if (verbose)
            fprintf(stderr, "dse-run: embedded coordinator at %s with %d local worker%s\n",
                    dse_coord_worker_endpoint(coord), n_pids, n_pids == 1 ? "" : "s");
    }

    dse_client_opts_t clo = {
        .endpoint = client_ep,
        .worker_endpoint = coordinator ? coordinator
                                       : coord ? dse_coord_worker_endpoint(coord) : NULL,
        .progress = !quiet && isatty(2),
        .quiet = quiet,
        .verbose = verbose,
        .heartbeat_s = ej->job->heartbeat_s,
        .heartbeat_misses = ej->job->heartbeat_misses,
        .timeout_s = timeout,
        .keep_job = state != NULL,
        .stop = &s_stop,
        .curve = key ? &curve : NULL,
    };
    dse_client_result_t res;
    int crc = dse_client_run(ej, &clo, &res, &err);

    if (coord) {
        for (int i = 0; i < n_pids; i++)
            kill(pids[i], SIGTERM);
        for (int i = 0; i < n_pids; i++)
            waitpid(pids[i], NULL, 0);
        s_coord_stop = 1;
        pthread_join(coord_thread, NULL);
        dse_coord_destroy(&coord);
        free(pids);
    }

    if (crc == DSE_EINTR) {
        if (state)
            fprintf(stderr, "dse-run: interrupted; no output written; the run's state is kept "
                    "in %s: dse-run --resume %s continues it\n", state, ej->job->output);
        else
            fprintf(stderr, "dse-run: interrupted; nothing written\n");
        free(state);
        free(resume_config);
        dse_evaljob_destroy(&ej);
        return 130;
    }
    /* from here on the run is over: its state goes */
    if (state) {
        s_state_remove(state);
        if (made_output && crc != 0)
            rmdir(ej->job->output);
        free(state);
        state = NULL;
    }
    free(resume_config);
    resume_config = NULL;
    if (crc != 0) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        fprintf(stderr, "dse-run: %s\n", buf);
        dse_evaljob_destroy(&ej);
        return 1;
    }

    dse_netfront_t *nf = NULL;
    dse_error_t nerr = DSE_ERROR_INIT;
    double t_compose = dse_now();
    int show = !quiet && isatty(2);
    if (show)
        fprintf(stderr, "  composing the network front...\r");
    s_compose_t cp = {dse_now(), 0};
    if (dse_outputs_compose_progress(ej, res.fronts, &s_stop, show ? s_compose_progress : NULL,
                                     &cp, &nf, &nerr) != 0) {
        if (nerr.code == DSE_EINTR) {
            fprintf(stderr, "dse-run: interrupted; nothing written\n");
            dse_client_result_release(&res, ej->job->n_layers);
            dse_evaljob_destroy(&ej);
            return 130;
        }
        fprintf(stderr, "dse-run: no network front: %s\n", nerr.msg);
    }
    t_compose = dse_now() - t_compose;
    if (show && cp.shown)
        fprintf(stderr, "%-78s\r", "");
    dse_run_stats_t st = {
        .wall_seconds = res.wall,
        .compose_seconds = t_compose,
        .workers_seen = res.workers_seen,
        .units = res.units,
        .units_reissued = res.reissued,
        .n_quarantined = res.n_quarantined,
        .quarantined = res.quarantined,
        .n_bad_workers = res.n_bad_workers,
        .bad_workers = (const char *const *)res.bad_workers,
        .per_layer = res.per_layer,
        .measured = res.measured,
        .cached = res.cached,
        .measured_rows = ej->job->evaluator ? res.all : NULL,
        .n_verified = res.n_verified,
        .verified = res.verified,
    };
    dse_strbuf_t warnings = DSE_STRBUF_INIT;
    int orc = dse_outputs_write(ej, res.fronts, nf, nf ? NULL : nerr.msg,
                                ej->job->dump_all ? res.all : NULL, &st, &warnings, &err);
    for (char *w = warnings.buf, *nl; w && (nl = strchr(w, '\n')); w = nl + 1)
        fprintf(stderr, "dse-run: %.*s\n", (int)(nl - w), w);
    dse_strbuf_release(&warnings);
    if (orc != 0) {
        dse_error_print(&err, stderr);
        if (made_output) /* made for the state only: nothing of this run is left */
            rmdir(ej->job->output);
        rc = 1;
    } else {
        uint64_t evaluated = 0, skipped = 0;
        size_t front = 0;
        for (size_t i = 0; i < ej->job->n_layers; i++) {
            evaluated += res.per_layer[i].evaluated;
            skipped += res.per_layer[i].skipped;
            front += dse_front_size(res.fronts[i]);
        }
        char skip_note[64] = "";
        if (skipped)
            snprintf(skip_note, sizeof skip_note, " (%llu more skipped: known infeasible)",
                     (unsigned long long)skipped);
        if (!quiet)
            printf("%s: %llu points evaluated%s in %.2f s, network composed in %.2f s; %zu "
                   "layer front rows, %zu network front rows; written to %s/\n", ej->job->name,
                   (unsigned long long)evaluated, skip_note, res.wall, t_compose, front,
                   nf ? dse_netfront_size(nf) : 0, ej->job->output);
        if (ej->job->evaluator && !quiet)
            printf("%s: %llu points measured, %llu from the cache%s, %zu failed%s\n",
                   ej->job->name, (unsigned long long)res.measured,
                   (unsigned long long)res.cached, cache_dir ? "" : " (no cache)",
                   res.n_quarantined, res.n_quarantined ? " (see failures.csv)" : "");
        if (ej->job->evaluator && ej->job->evaluator->verify) {
            size_t n[4] = {0};
            for (size_t i = 0; i < res.n_verified; i++)
                n[res.verified[i].status & 3]++;
            if (!quiet)
                printf("%s: verify: %zu of %zu sampled points measured again on another worker, "
                       "%zu disagreed%s\n", ej->job->name, n[DSE_VERIFY_AGREE] + n[DSE_VERIFY_DISAGREE],
                       res.n_verified, n[DSE_VERIFY_DISAGREE],
                       res.n_verified ? " (see verify.csv)" : "");
            if (n[DSE_VERIFY_DISAGREE])
                fprintf(stderr, "dse-run: verify: %zu point%s measured again on another worker "
                        "disagreed beyond the tolerance: the fronts keep the first measurement; "
                        "see verify.csv for the workers\n", n[DSE_VERIFY_DISAGREE],
                        n[DSE_VERIFY_DISAGREE] == 1 ? "" : "s");
            if (n[DSE_VERIFY_NOT])
                fprintf(stderr, "dse-run: verify: %zu sampled point%s not verified (see "
                        "verify.csv)\n", n[DSE_VERIFY_NOT], n[DSE_VERIFY_NOT] == 1 ? "" : "s");
        }
        /* an empty layer front says why: the capacity or constraint that
         * rejected the most points and the closest value to its bound */
        for (size_t i = 0; i < ej->job->n_layers; i++) {
            if (dse_front_size(res.fronts[i]) || !res.per_layer[i].evaluated)
                continue;
            char msg[512], reason[160];
            double v, b;
            dse_why_explain(ej->job, i, &res.per_layer[i].why, res.per_layer[i].evaluated, msg,
                            sizeof msg, reason, sizeof reason, &v, &b);
            fprintf(stderr, "dse-run: %s\n", msg);
        }
        if (res.n_bad_workers)
            fprintf(stderr, "dse-run: %zu worker%s quarantined: %s rows disagreed with the "
                    "model, and %s units were run again (see summary.json)\n",
                    res.n_bad_workers, res.n_bad_workers == 1 ? " was" : "s were",
                    res.n_bad_workers == 1 ? "its" : "their",
                    res.n_bad_workers == 1 ? "its" : "their");
        if (res.n_quarantined && !ej->job->evaluator) {
            fprintf(stderr, "dse-run: %zu unit%s quarantined: the fronts are incomplete (see "
                    "summary.json)\n", res.n_quarantined, res.n_quarantined == 1 ? " was" : "s were");
            rc = 3;
        }
    }
    dse_netfront_destroy(&nf);
    dse_client_result_release(&res, ej->job->n_layers);
    dse_evaljob_destroy(&ej);
    free(cache_dir);
    return rc;
}
