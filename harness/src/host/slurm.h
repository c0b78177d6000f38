/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_HOST_SLURM_H
#define IPUTSTORM_HOST_SLURM_H

#include "host/session.h"

/*
 * `matrix --slurm`: the matrix as Slurm array jobs, for fleets. Each array
 * task is one `iputstorm run` of a kernel and a slice of its trials
 * (--slurm-trials, default 1), with its own embedded cluster (or the
 * --ceph-conf one), into DIR/tasks/ under the matrix's own run directory,
 * which must be on storage every node sees. Kernels are fetched and made
 * ready here first. Once a job has finished, its tasks' trials are merged
 * into that run directory's run.json (trials/N link to where they ran), so
 * compare, summary, history and the dashboard read it as any matrix; with
 * --until-significant, one task per kernel per round, each round its own
 * array job, until the sequential test settles.
 *
 * Returns the exit code: matrix's (0 no hang, 1 a hang, 2 usage, 3 undecided).
 */
int slurm_matrix(const struct run_args *a);

#endif
