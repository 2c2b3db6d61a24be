/* fake_sim.c - dse-fake-sim, a deterministic stand-in for a simulator run.
 *
 * For the tests and benchmarks of measured evaluation ([evaluator] kind =
 * "command"). It prints a log in the style of GVSoC's performance counters
 * (one "[<core>] cycles = <n>" line per core, core 0 first) and of
 * Deeploy's runners ("Runtime: <n> cycles"), or with --json one JSON
 * object. The cycles are a fixed function of the arguments, so every run of
 * a point prints the same numbers.
 *
 *   dse-fake-sim [options] NAME=VALUE...
 *     --json          print {"cycles": N} last instead of the counter log
 *     --sleep S       wait S seconds first (a point that takes time)
 *     --hang          start a child that sleeps, then sleep for ever; both
 *                     write their pid into ./pids (the test checks they die)
 *     --garbage       print noise without any counter
 *     --fail          print "Error at index: 4" and exit with status 3
 *     --flood MB      print MB megabytes of noise before the counters
 *     --scale X       multiply the cycles by X (a simulator that differs
 *                     from the model's constants)
 *     --perturb D     with an argument model=X (the analytic prediction,
 *                     {model.cycles} in the job): X times (1 + D u), u a
 *                     deterministic number in [-1, 1] per argument list, so
 *                     the model's relative error is at most D / (1 - D)
 *     --per-tile C    with model=X and tiles=T ({model.tiles}): X + C T, a
 *                     simulator whose per-tile overhead (DMA setup) differs
 *                     from the preset's
 *     (environment) FAKE_SIM_SCALE=X multiplies the cycles by X as well: a
 *                     worker whose simulator differs from the others' (the
 *                     test of [evaluator] verify starts one with it)
 *     --hang-if A, --garbage-if A, --fail-if A, --sleep-if A S
 *                     the same, only when the argument A (NAME=VALUE) is
 *                     among the arguments: one point misbehaves
 *
 * The cycles of NAME=VALUE pairs: the product of the numeric values (the
 * work) divided by a speed-up from `tile_cout` and `matmul` when given,
 * plus a hash of the whole argument list below 97: different points give
 * different, deterministic numbers.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <time.h>

static void s_sleep(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void s_pid_note(void)
{
    FILE *f = fopen("pids", "a");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    int json = 0, hang = 0, garbage = 0, fail = 0;
    double sleep_s = 0, flood_mb = 0, scale = 1, perturb = 0, model = -1, per_tile = 0, tiles = 0;
    const char *hang_if = NULL, *garbage_if = NULL, *fail_if = NULL, *sleep_if = NULL;
    double sleep_if_s = 0;
    double work = 1, speed = 1;
    uint64_t h = 1469598103934665603ULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--hang") == 0) {
            hang = 1;
        } else if (strcmp(a, "--garbage") == 0) {
            garbage = 1;
        } else if (strcmp(a, "--fail") == 0) {
            fail = 1;
        } else if (strcmp(a, "--hang-if") == 0 && i + 1 < argc) {
            hang_if = argv[++i];
        } else if (strcmp(a, "--garbage-if") == 0 && i + 1 < argc) {
            garbage_if = argv[++i];
        } else if (strcmp(a, "--fail-if") == 0 && i + 1 < argc) {
            fail_if = argv[++i];
        } else if (strcmp(a, "--sleep-if") == 0 && i + 2 < argc) {
            sleep_if = argv[++i];
            sleep_if_s = atof(argv[++i]);
        } else if (strcmp(a, "--sleep") == 0 && i + 1 < argc) {
            sleep_s = atof(argv[++i]);
        } else if (strcmp(a, "--flood") == 0 && i + 1 < argc) {
            flood_mb = atof(argv[++i]);
        } else if (strcmp(a, "--per-tile") == 0 && i + 1 < argc) {
            per_tile = atof(argv[++i]);
        } else if (strcmp(a, "--perturb") == 0 && i + 1 < argc) {
            perturb = atof(argv[++i]);
        } else if (strcmp(a, "--scale") == 0 && i + 1 < argc) {
            scale = atof(argv[++i]);
        } else if (strchr(a, '=')) {
            hang |= hang_if && strcmp(a, hang_if) == 0;
            garbage |= garbage_if && strcmp(a, garbage_if) == 0;
            fail |= fail_if && strcmp(a, fail_if) == 0;
            if (sleep_if && strcmp(a, sleep_if) == 0)
                sleep_s += sleep_if_s;
            for (const char *p = a; *p; p++)
                h = (h ^ (unsigned char)*p) * 1099511628211ULL;
            const char *v = strchr(a, '=') + 1;
            char *end;
            double x = strtod(v, &end);
            if (strncmp(a, "model=", 6) == 0 && *end == '\0')
                model = x;
            else if (strncmp(a, "tiles=", 6) == 0 && *end == '\0')
                tiles = x;
            else if (strncmp(a, "tile_cout=", 10) == 0 && *end == '\0' && x > 0)
                speed *= x < 8 ? x : 8;
            else if (strncmp(a, "matmul=", 7) == 0)
                speed *= 1 + (double)(strlen(v) % 5) / 4;
            else if (*end == '\0' && x > 0)
                work *= x;
        } else {
            fprintf(stderr, "dse-fake-sim: unknown argument '%s'\n", a);
            return 2;
        }
    }
    const char *env_scale = getenv("FAKE_SIM_SCALE");
    if (env_scale && atof(env_scale) > 0)
        scale *= atof(env_scale);
    if (sleep_s > 0)
        s_sleep(sleep_s);
    if (hang) {
        pid_t child = fork();
        if (child == 0) {
            s_pid_note();
            for (;;)
                pause();
        }
        s_pid_note();
        printf("[sim] running\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    if (flood_mb > 0) {
        char line[101];
        memset(line, 'x', 99);
        line[99] = '\n';
        line[100] = '\0';
        for (double n = 0; n < flood_mb * 1e6; n += 100)
            fputs(line, stdout);
    }
    if (garbage) {
        printf("[sim] Loading binary\nSegmentation in the simulated core?\n\x01\x02 trace\n");
        return 0;
    }
    if (fail) {
        printf("[sim] Loading binary\nError at index: 4\n");
        fprintf(stderr, "Errors: 1 out of 64\n");
        return 3;
    }
    uint64_t cycles = (uint64_t)llround(scale * (work / speed + 1000)) + h % 97;
    if (model >= 0) {
        double u = (double)(h % 2001) / 1000.0 - 1.0;
        cycles = (uint64_t)llround(scale * (model + per_tile * tiles) * (1 + perturb * u));
    }
    if (json) {
        printf("[sim] Loading binary\n{\"cycles\": %llu}\n", (unsigned long long)cycles);
        return 0;
    }
    printf("[sim] Loading binary\n[sim] Starting execution\n");
    for (int core = 0; core < 8; core++)
        printf("[%d] cycles = %llu\n[%d] instr = %llu\n", core,
               (unsigned long long)(cycles - (uint64_t)core * 3), core,
               (unsigned long long)(cycles * 2 / 3));
    printf("Runtime: %llu cycles\nErrors: 0 out of 64\n", (unsigned long long)cycles);
    return 0;
}
