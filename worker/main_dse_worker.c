/* main_dse_worker.c - the dse-worker program. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "usage: dse-worker ... (not built yet)\n");
    return 2;
}
