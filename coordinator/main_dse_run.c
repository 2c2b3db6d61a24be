/* main_dse_run.c - the dse-run program. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "usage: dse-run ... (not built yet)\n");
    return 2;
}
