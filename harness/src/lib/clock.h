/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_LIB_CLOCK_H
#define IPUTSTORM_LIB_CLOCK_H

/* Seconds as doubles: monotonic for durations, wall for what a reader sees. */
double now_mono(void);
double now_wall(void);
void sleep_s(double s);
/* "2026-12-02T03:04:05Z" (free it). */
char *iso8601_utc(double wall);

#endif
