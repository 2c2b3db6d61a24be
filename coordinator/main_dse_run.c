/* main_dse_run.c - the dse-run program: its options, --models, --import and
 * --check; a run itself is dse_run_embedded() (coordinator/embedded.h). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "coordinator/coord.h"
#include "coordinator/embedded.h"
#include "core/cli.h"
#include "core/job.h"
#include "core/network.h"
#include "core/onnx.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

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

/* ------------------------------------------------------- the options */

typedef struct {
    const char *endpoint;
    char client_endpoint[512]; /* the worker endpoint's port plus one, when it has one */
} s_coordinator_t;

static struct {
    dse_run_opts_t run;
    s_coordinator_t coordinator;
    const char *client_endpoint, *key, *coordinator_key;
    const char *import, *model, *onnx_ignore;
    int check;
} s_a = {.run = {.workers = -1, .timeout_s = 60}};

static int s_opt_models(void *target, const char *prog, const char *name, const char *value)
{
    (void)target, (void)prog, (void)name, (void)value;
    s_models();
    return 0;
}

static int s_opt_coordinator(void *target, const char *prog, const char *name,
                             const char *value)
{
    s_coordinator_t *c = target;
    if (dse_cli_endpoint(prog, name, value, "tcp://hostA:5555"))
        return 2;
    if (strncmp(value, "tcp://", 6) == 0 &&
        dse_client_endpoint_for(value, c->client_endpoint, sizeof c->client_endpoint) != 0) {
        fprintf(stderr, "%s: %s needs the worker endpoint with its port, like "
                "tcp://hostA:5555 (got '%s')\n", prog, name, value);
        return 2;
    }
    c->endpoint = value;
    return -1;
}

/* --allow-command[=PROGRAM]: "" allows any program. */
static int s_opt_allow(void *target, const char *prog, const char *name, const char *value)
{
    const char **allow = target;
    *allow = value ? value : "";
    if (**allow && **allow != '/') {
        fprintf(stderr, "%s: %s=PROGRAM takes an absolute path (got '%s')\n", prog, name,
                *allow);
        return 2;
    }
    return -1;
}

static const dse_cli_opt_t s_opts[] = {
    {"--check", 0, NULL, DSE_CLI_FLAG, &s_a.check,
     .help = "validate the job and print its spaces; run nothing (with\n"
             "an onnx job or --import: what became of each node)"},
    {"--import", 0, "NET.onnx", DSE_CLI_STRING, &s_a.import,
     .help = "print the job importing NET.onnx as TOML, layers written\n"
             "out (needs --model); run nothing"},
    {"--model", 0, "NAME", DSE_CLI_STRING, &s_a.model,
     .help = "the model --import maps the graph onto"},
    {"--onnx-ignore", 0, "A,B", DSE_CLI_STRING, &s_a.onnx_ignore,
     .help = "op_types --import drops knowingly (onnx_ignore)"},
    {"--models", 0, NULL, DSE_CLI_CALL, NULL, .call = s_opt_models,
     .help = "list the models with every key, parameter and metric"},
    {"--workers", 0, "N", DSE_CLI_INT, &s_a.run.workers, .lo = 1, .hi = 1024,
     .help = "local workers (default: [cluster] workers, else one per core)"},
    {"--coordinator", 0, "ENDPOINT", DSE_CLI_CALL, &s_a.coordinator, .call = s_opt_coordinator,
     .help = "submit to a standing coordinator, named by its worker\n"
             "endpoint: tcp://hostA:5555 means workers on port 5555\n"
             "and dse-run (a client) on port 5556, the next one"},
    {"--client-endpoint", 0, "EP", DSE_CLI_ENDPOINT, &s_a.client_endpoint,
     .example = "tcp://hostA:5556",
     .help = "the coordinator's client endpoint exactly, as\n"
             "dse-coordinator prints it (tcp://hostA:6000, ipc://PATH);\n"
             "alone, or with --coordinator when the client port is not\n"
             "the worker port plus one"},
    {"--output", 0, "DIR", DSE_CLI_STRING, &s_a.run.output,
     .help = "write the outputs here instead of [job] output"},
    {"--dump-all", 0, NULL, DSE_CLI_FLAG, &s_a.run.dump_all,
     .help = "also write all_points.csv (every feasible point)"},
    {"--plot-layers", 0, NULL, DSE_CLI_FLAG, &s_a.run.plot_layers,
     .help = "pareto.svg also plots each layer's front"},
    {"--timeout", 0, "S", DSE_CLI_NUMBER, &s_a.run.timeout_s, .lo = 0.1, .hi = 1e7,
     .help = "give up after S seconds without the coordinator (60)"},
    {"--key", 0, "FILE", DSE_CLI_STRING, &s_a.key,
     .help = "CURVE, with a coordinator started with --keys: this\n"
             "user's pair (NAME.key of dse-keygen; NAME.pub goes\n"
             "into the coordinator's KEYS/allowed/clients/)"},
    {"--coordinator-key", 0, "FILE", DSE_CLI_STRING, &s_a.coordinator_key,
     .help = "the coordinator's public key (its .pub)"},
    {"--allow-command", 0, "PROG", DSE_CLI_CALL, &s_a.run.allow_command,
     .flags = DSE_CLI_OPTIONAL, .call = s_opt_allow,
     .help = "let the local workers run the job's [evaluator] command\n"
             "(with PROG, an absolute path, only that program)"},
    {"--cache", 0, "DIR", DSE_CLI_STRING, &s_a.run.cache,
     .help = "cache of measured points (default $XDG_CACHE_HOME/dse/measured)"},
    {"--no-cache", 0, NULL, DSE_CLI_FLAG, &s_a.run.no_cache,
     .help = "measure every point again"},
    {"--keep-failed", 0, NULL, DSE_CLI_FLAG, &s_a.run.keep_failed,
     .help = "keep the working folder of a point that failed"},
    {"--resume", 0, NULL, DSE_CLI_FLAG, &s_a.run.resume,
     .help = "continue the interrupted run kept in the output\n"
             "folder (OUT/.dse-state): dse-run --resume OUT, or\n"
             "dse-run CONFIG --resume [--output OUT]"},
    {"--calibrate", 0, NULL, DSE_CLI_FLAG, &s_a.run.calibrate,
     .help = "fit the model's calibratable keys to the cached\n"
             "measurements of the job: writes calibrated-NAME.toml"},
    {"--verbose", 'v', NULL, DSE_CLI_FLAG, &s_a.run.verbose, .help = "say what happens"},
    {"--quiet", 'q', NULL, DSE_CLI_FLAG, &s_a.run.quiet, .help = "no progress line"},
    {"--help", 'h', NULL, DSE_CLI_HELP, .help = "this text"},
    {NULL},
};

static const char *s_config;
static size_t s_n_config;

static const dse_cli_t s_cli = {
    .prog = "dse-run",
    .usage = "usage: dse-run CONFIG.toml [options]\n"
             "       dse-run --resume OUTPUT_FOLDER [options]\n"
             "       dse-run --import NET.onnx --model NAME [--check] [--onnx-ignore A,B]\n"
             "\n"
             "Explores the design space of the job in CONFIG.toml and writes its Pareto\n"
             "fronts into the job's output folder. With no --coordinator, runs a\n"
             "coordinator and local workers (one per physical core) itself.\n",
    .trailer = "exit status: 0 done; 1 bad config or failure; 2 bad usage; 3 done but some\n"
               "units were quarantined (fronts incomplete, see summary.json); 130 interrupted.\n",
    .opts = s_opts,
    .args = &s_config,
    .max_args = 1,
    .n_args = &s_n_config,
    .arg_name = "config file",
};

/* The options that go together, or not: exit 2 when they do not. */
static int s_usage_checks(void)
{
    const dse_run_opts_t *r = &s_a.run;
    int remote = s_a.coordinator.endpoint || s_a.client_endpoint;
    if ((s_a.key || s_a.coordinator_key) && !remote) {
        fprintf(stderr, "dse-run: --key and --coordinator-key are for a standing coordinator "
                        "(--coordinator or --client-endpoint); the embedded one needs none\n");
        return 2;
    }
    if (r->resume && (remote || s_a.check || r->calibrate)) {
        fprintf(stderr, "dse-run: --resume continues an embedded run (not with %s; a standing "
                "coordinator started with --state resumes its jobs itself)\n",
                s_a.check ? "--check" : r->calibrate ? "--calibrate" : "--coordinator");
        return 2;
    }
    struct stat st;
    if (r->resume && r->output && stat(s_config, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "dse-run: --resume %s names the output folder: no --output\n",
                s_config);
        return 2;
    }
    if (s_a.coordinator.endpoint && !s_a.client_endpoint &&
        !s_a.coordinator.client_endpoint[0]) {
        fprintf(stderr, "dse-run: --coordinator %s has no port to add one to: give the "
                        "coordinator's client endpoint with --client-endpoint\n",
                s_a.coordinator.endpoint);
        return 2;
    }
    return -1;
}

/* dse-run --check CONFIG: the job validated and printed. */
static int s_check(const char *config)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(config, &job, &err) != 0) {
        dse_error_print(&err, stderr);
        return 1;
    }
    char warning[512];
    if (dse_job_prune_warning(job, warning, sizeof warning))
        fprintf(stderr, "%s: %s\n", config, warning);
    int rc = 0;
    if (job->onnx)
        rc = s_print_nodes(job->onnx, job->model, job->onnx_ignore, job->n_onnx_ignore);
    if (rc == 0)
        dse_job_print(job, stdout);
    dse_job_destroy(&job);
    return rc;
}

static volatile sig_atomic_t s_stop;

int main(int argc, char **argv)
{
    int st = dse_cli_parse(&s_cli, argc, argv);
    if (st >= 0)
        return st;
    if (s_a.import) {
        if (s_config) {
            fprintf(stderr, "dse-run: --import takes no config file ('%s')\n", s_config);
            return 2;
        }
        return s_import(s_a.import, s_a.model, s_a.onnx_ignore, s_a.check);
    }
    if (s_a.model || s_a.onnx_ignore) {
        fprintf(stderr, "dse-run: --model and --onnx-ignore go with --import\n");
        return 2;
    }
    if (!s_config) {
        dse_cli_help(&s_cli, stderr);
        return 2;
    }
    if ((st = s_usage_checks()) >= 0)
        return st;
    dse_curve_client_t curve;
    if ((st = dse_cli_keys("dse-run", s_a.key, s_a.coordinator_key, &curve)) != 0)
        return st;
    if (s_a.check)
        return s_check(s_config);
    dse_run_opts_t *r = &s_a.run;
    r->config = s_config;
    r->coordinator = s_a.coordinator.endpoint;
    r->client_endpoint = s_a.client_endpoint ? s_a.client_endpoint
                         : s_a.coordinator.endpoint ? s_a.coordinator.client_endpoint : NULL;
    r->curve = s_a.key ? &curve : NULL;
    r->progress = !r->quiet && isatty(2);
    r->stop = &s_stop;
    dse_cli_stop_on_signals(&s_stop);
    dse_run_result_t res;
    int rc = dse_run_embedded(r, &res, NULL);
    if (rc == DSE_EINTR)
        return 130;
    if (rc != 0)
        return 1;
    return res.quarantined ? 3 : 0;
}
