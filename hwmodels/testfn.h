/* testfn.h - a synthetic model with a known Pareto front, for testing the runtime.
 *
 * Three integer parameters x1, x2, x3 in 1..n (n a layer key) are mapped to
 * u = (x - 1) / (n - 1) in [0, 1] and fed to a classic multi-objective test
 * problem (Zitzler, Deb, Thiele 2000; Deb, Thiele, Laumanns, Zitzler 2002):
 *
 *   zdt1:  f1 = u1, g = 1 + 9 (u2 + u3) / 2, f2 = g (1 - sqrt(f1 / g)), f3 = 0.
 *          Front: x2 = x3 = 1 (g = 1): every x1, f2 = 1 - sqrt(f1).
 *   dtlz2: g = (u3 - 1/2)^2, f1 = (1+g) cos(u1 pi/2) cos(u2 pi/2),
 *          f2 = (1+g) cos(u1 pi/2) sin(u2 pi/2), f3 = (1+g) sin(u1 pi/2).
 *          Front (n odd): x3 = (n + 1) / 2, so g = 0.
 *
 * The preset key `cost` adds a busy loop of that many iterations to every
 * evaluation, so the runtime can be tested and measured at any cost per
 * point. Points with f1 above the layer key `f1_max` are infeasible. The
 * layer key `crash_x3` makes a worker abort on the points with that x3:
 * fault injection for the tests of quarantine.
 *
 * A test knob that changes no result, so it is not a job key (a key would
 * change every testfn job's digest): the environment variable
 * DSE_TESTFN_PREPARE_MS, when set to a whole number of milliseconds (at most
 * DSE_TESTFN_PREPARE_MS_MAX), makes the preparation of a job's first layer
 * sleep that long in the process that reads it: coordinator, worker or
 * dse-run. The runtime's tests use it to make job preparation slow and
 * check that heartbeats keep flowing meanwhile. Any other value fails the
 * preparation with an error naming the variable.
 */
#ifndef DSE_TESTFN_H
#define DSE_TESTFN_H

#include "hwmodels/hwmodel.h"

extern const dse_hwmodel_t dse_model_testfn;

enum { DSE_TESTFN_ZDT1, DSE_TESTFN_DTLZ2 };

#define DSE_TESTFN_PREPARE_ENV "DSE_TESTFN_PREPARE_MS"
#define DSE_TESTFN_PREPARE_MS_MAX 600000

#endif
