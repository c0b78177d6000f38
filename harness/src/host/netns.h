/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPUTSTORM_NETNS_H
#define IPUTSTORM_NETNS_H

/*
 * The embedded cluster's private network: a namespace with a bridge
 * (br0, ADDR/24) the daemons bind to, and taps on it for the guests. No
 * address outside the namespace is ever used.
 */
int netns_create(const char *name, const char *bridge_cidr);
int netns_open(const char *name);
int netns_enter(const char *name);
int netns_add_tap(const char *name, const char *tap);
int netns_del_tap(const char *name, const char *tap);
int netns_delete(const char *name);
int netns_exists(const char *name);

#endif
