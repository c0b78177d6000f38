// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host/vm.h"
#include "host/accel.h"
#include "host/records.h"
#include "lib/base.h"
#include "lib/clock.h"
#include "lib/fileio.h"
#include "lib/output.h"
#include "lib/proc.h"
#include "lib/spawn.h"
#include "lib/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Measured: quiet boot, no self-tests, no probing of devices the guest lacks. */
static const char base_cmdline[] =
	"console=ttyS0 panic=-1 quiet cryptomgr.notests i8042.noaux i8042.nokbd i8042.nopnp "
	"8250.nr_uarts=2 apparmor=0 audit=0 no_timer_check tsc=reliable sysrq_always_enabled "
	"printk.devkmsg=on hung_task_panic=0 softlockup_panic=0";

char *vm_cmdline(const struct vm_config *c)
{
	return xasprintf("%s%s%s", base_cmdline, c->cmdline_extra && *c->cmdline_extra ? " " : "",
			 c->cmdline_extra ? c->cmdline_extra : "");
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return err_set("cannot listen on %s: %s", path, strerror(e));
	}
	return fd;
}

/* QEMU option values end at a comma; a comma inside one is doubled. */
static char *qemu_escape(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *o = out;

	for (; *s; s++) {
		*o++ = *s;
		if (*s == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

static void build_argv(struct strv *argv, struct vm *vm, const struct vm_config *c)
{
	_cleanup_free_ char *cmdline = vm_cmdline(c);

	strv_push(argv, "qemu-system-x86_64");
	strv_push(argv, "-accel");
	strv_push(argv, vm->accel);
	strv_push(argv, "-smp");
	strv_pushf(argv, "%d", c->cpus);
	strv_push(argv, "-cpu");
	strv_push(argv, strcmp(vm->accel, "kvm") ? "max" : "host");
	strv_push(argv, "-m");
	strv_pushf(argv, "%lluM", (unsigned long long)(c->mem >> 20));
	for (const char *const *w = (const char *const[]){"-nodefaults", "-no-user-config",
							  "-display", "none", "-no-reboot", NULL};
	     *w; w++)
		strv_push(argv, *w);
	strv_push(argv, "-kernel");
	strv_push(argv, c->image);
	strv_push(argv, "-initrd");
	strv_push(argv, c->initrd);
	strv_push(argv, "-append");
	strv_push(argv, cmdline);
	/* ttyS0 and the monitor share one mux: Ctrl-A b is a serial BREAK. */
	strv_push(argv, "-chardev");
	strv_pushf(argv, "socket,id=con,path=%s,server=off,mux=on", vm->con_path);
	strv_push(argv, "-serial");
	strv_push(argv, "chardev:con");
	strv_push(argv, "-mon");
	strv_push(argv, "chardev=con,mode=readline");
	strv_push(argv, "-chardev");
	strv_pushf(argv, "socket,id=ev,path=%s,server=off", vm->ev_path);
	strv_push(argv, "-device");
	strv_push(argv, "virtio-serial-pci");
	strv_push(argv, "-device");
	strv_push(argv, "virtserialport,chardev=ev,name=org.iputstorm.events");
	if (c->root_image) {
		strv_push(argv, "-drive");
		_cleanup_free_ char *file = qemu_escape(c->root_image);

		strv_pushf(argv, "file=%s,if=none,id=root,format=raw,readonly=on", file);
		strv_push(argv, "-device");
		strv_push(argv, "virtio-blk-pci,drive=root");
	} else {
		strv_push(argv, "-fsdev");
		strv_push(argv,
			  "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap");
		strv_push(argv, "-device");
		strv_push(argv, "virtio-9p-pci,fsdev=root,mount_tag=hostroot");
	}
	if (c->netns || c->user_net) {
		strv_push(argv, "-netdev");
		if (c->user_net)
			strv_push(argv, "user,id=n0");
		else
			strv_pushf(argv, "tap,id=n0,ifname=%s,script=no,downscript=no", c->tap);
		strv_push(argv, "-device");
		strv_pushf(argv, "virtio-net-pci,netdev=n0,mac=%s",
			   c->mac ? c->mac : "52:54:00:12:34:56");
	}
}

int vm_start(struct vm *vm, const struct vm_config *c, struct record *rec)
{
	struct strv argv = {0};
	struct spawn_opts o = {.netns = c->netns,
			       .stdout_path = c->qemu_log,
			       .stderr_path = "=stdout",
			       .new_session = true};

	memset(vm, 0, sizeof(*vm));
	vm->con_fd = vm->ev_fd = vm->con_lfd = vm->ev_lfd = -1;
	vm->accel = xstrdup(accel_qemu_arg(c->accel ? c->accel : "tcg"));
	vm->con_path = xasprintf("%s/con.sock", c->sock_dir);
	vm->ev_path = xasprintf("%s/ev.sock", c->sock_dir);
	if (mkdir_p(c->sock_dir, 0700) < 0)
		return err_set("cannot create %s: %s", c->sock_dir, strerror(errno));
	vm->con_lfd = listen_unix(vm->con_path);
	if (vm->con_lfd < 0)
		return -1;
	vm->ev_lfd = listen_unix(vm->ev_path);
	if (vm->ev_lfd < 0)
		return -1;
	build_argv(&argv, vm, c);
	if (verbose) {
		_cleanup_free_ char *s = argv_join(argv.v);
		p_debug("%s", s);
	}
	vm->t0 = now_mono();
	vm->pid = spawn(argv.v, &o);
	strv_release(&argv);
	if (vm->pid < 0)
		return err_set("cannot start qemu-system-x86_64: %s", strerror(errno));
	vm->start = proc_starttime(vm->pid);
	return record_add_pid(rec, "qemu", vm->pid);
}

void vm_accept(struct vm *vm, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (lfd == vm->con_lfd && vm->con_fd < 0)
		vm->con_fd = fd;
	else if (lfd == vm->ev_lfd && vm->ev_fd < 0)
		vm->ev_fd = fd;
	else
		close(fd);
}

int vm_sysrq(struct vm *vm, char key)
{
	char seq[3] = {0x01, 'b', key};

	if (vm->con_fd < 0)
		return err_set("no console connection");
	/* The break and the key must arrive apart: the 8250 takes the next char as sysrq. */
	if (write(vm->con_fd, seq, 2) != 2)
		return err_set("console write: %s", strerror(errno));
	sleep_s(0.05);
	if (write(vm->con_fd, seq + 2, 1) != 1)
		return err_set("console write: %s", strerror(errno));
	return 0;
}

int vm_exited(struct vm *vm, int *status)
{
	if (vm->pid <= 0)
		return 1;
	if (waitpid(vm->pid, status, WNOHANG) == vm->pid) {
		vm->pid = 0;
		return 1;
	}
	return 0;
}

void vm_stop(struct vm *vm, struct record *rec)
{
	int st;

	if (vm->pid > 0) {
		kill(vm->pid, SIGKILL);
		wait_timeout(vm->pid, 10, &st);
		if (rec)
			record_forget_pid(rec, vm->pid);
		vm->pid = 0;
	}
	int *fds[] = {&vm->con_lfd, &vm->ev_lfd, &vm->con_fd, &vm->ev_fd};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (vm->con_path)
		unlink(vm->con_path);
	if (vm->ev_path)
		unlink(vm->ev_path);
	free(vm->con_path);
	free(vm->ev_path);
	free(vm->accel);
	vm->con_path = vm->ev_path = vm->accel = NULL;
}
