/* toml.c - placeholder until the parser lands. */
#include "core/toml.h"
