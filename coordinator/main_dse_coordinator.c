/* main_dse_coordinator.c - the dse-coordinator program. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "usage: dse-coordinator ... (not built yet)\n");
    return 2;
}
