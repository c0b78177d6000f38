#!/bin/sh
# Every exit code each command documents in its --help, on inputs that need
# no VM and no cluster (the integration tests cover run's 0 and 1 with
# real trials). Exits 1 and names each code that does not come out.
#
# usage: harness/tests/exit-codes.sh IPUTSTORM
set -u
cd "$(dirname "$0")/../.."
exe=$(realpath "$1")
w=$(mktemp -d /tmp/iputstorm-exit.XXXXXX)
trap 'rm -rf "$w"' EXIT
export IPUTSTORM_CACHE="$w/cache" IPUTSTORM_STATE="$w/state"
bad=0
n=0

expect() {
	want=$1
	shift
	n=$((n + 1))
	"$@" >"$w/out" 2>&1 </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "exit-codes: '$*' exited $rc, documented $want: $(head -c 300 "$w/out")"
		bad=$((bad + 1))
	fi
}

# run.json fixtures: N FAIL on base, M FAIL out of K on fix.
run_dir() {
	dir=$1 base_fail=$2 fix_fail=$3 per=$4
	mkdir -p "$dir"
	{
		printf '{"id": "%s", "scenario": "s", "baseline": "base", "trials": [' "$(basename "$dir")"
		sep=""
		i=0
		while [ $i -lt "$per" ]; do
			v=PASS
			[ $i -lt "$base_fail" ] && v=FAIL
			printf '%s{"trial": %d, "kernel": "base", "verdict": "%s", "reason": "r", "title": "t", "duration": 1}' "$sep" $((2 * i + 1)) $v
			sep=", "
			v=PASS
			[ $i -lt "$fix_fail" ] && v=FAIL
			printf ', {"trial": %d, "kernel": "fix", "verdict": "%s", "reason": "r", "title": "t", "duration": 1}' $((2 * i + 2)) $v
			i=$((i + 1))
		done
		printf ']}\n'
	} >"$dir/run.json"
}

log=harness/tests/data/klog/console-6.12-writeback-hang.log
printf 'nothing to see\n' >"$w/quiet.log"
printf '[global]\nbogus = 1\n' >"$w/bad.ini"
run_dir "$w/fixed" 10 0 10
run_dir "$w/worse" 0 10 10
run_dir "$w/few" 1 0 2
mkdir -p "$w/notarun"

expect 0 "$exe" --help
expect 2 "$exe" bogus
expect 0 "$exe" validate scenarios/smoke.ini
expect 2 "$exe" validate "$w/bad.ini"
expect 0 "$exe" triage "$w/quiet.log"
expect 1 "$exe" triage "$log"
expect 2 "$exe" triage "$w/missing.log"
# A crash and no blocked task: exit 0 as documented, but the crash is named.
expect 0 "$exe" triage harness/tests/data/klog/read-retry-7.3.log
if ! grep -q "^the kernel reported: kernel BUG in clear_inode (line 40)$" "$w/out"; then
	echo "exit-codes: triage of a log with a kernel BUG does not name it: $(head -c 300 "$w/out")"
	bad=$((bad + 1))
fi
expect 0 "$exe" summary "$w/fixed"
expect 2 "$exe" summary "$w/notarun"
expect 0 "$exe" compare --expect-fixed "$w/fixed"
expect 1 "$exe" compare --expect-fixed "$w/worse"
expect 1 "$exe" compare "$w/worse"
expect 2 "$exe" compare
expect 3 "$exe" compare "$w/few"
expect 2 "$exe" run -s "$w/bad.ini"
expect 2 "$exe" run -n 0
expect 2 "$exe" matrix -s smoke -k only-one
expect 128 "$exe" bisect-step
expect 0 "$exe" history --db "$w/h.sqlite" import "$w/fixed"
expect 0 "$exe" history --db "$w/h.sqlite"
expect 2 "$exe" history --db "$w/h.sqlite" --since x
expect 2 "$exe" history --db "$w/h.sqlite" bogus
expect 2 "$exe" history --db "$w/h.sqlite" import "$w/notarun"
expect 2 "$exe" history --db "$w/no/such/dir/h.sqlite"
expect 0 "$exe" dashboard --db "$w/h.sqlite" "$w/site"
expect 2 "$exe" dashboard --db "$w/h.sqlite"
expect 0 "$exe" kernel list
expect 2 "$exe" kernel bogus
# backport: 0, 1 and 3 need Debian's archive and kernels run.
expect 2 "$exe" backport
expect 2 "$exe" backport --patch "$w/quiet.log"
expect 2 "$exe" backport --patch "$w/quiet.log" --kernels 6.12. --flavor armhf
# nightly: 1 and 3 need kernels run; a dry run over a stored kernel name needs neither.
printf '[nightly]\nresults = %s/ny\n[target a]\nkernel = some-store-name\n[scenario smoke]\n' "$w" >"$w/ny.ini"
expect 0 "$exe" nightly --dry-run "$w/ny.ini"
expect 2 "$exe" nightly "$w/bad.ini"
expect 2 "$exe" nightly
# reproduce: 0 comes from the integration tests (a report from a kernel the store lacks).
expect 2 "$exe" reproduce
expect 2 "$exe" reproduce "$w/quiet.log"
printf '[ 1.0] CPU: 0 PID: 1 Comm: init Not tainted 6.12.117+deb12-amd64 #1\n' >"$w/nohang.log"
expect 2 "$exe" reproduce "$w/nohang.log"
# A crash and no hang: matched by its title, so the scenario must be given.
expect 2 "$exe" reproduce harness/tests/data/klog/read-retry-7.3.log
if ! grep -q "shows a crash and no hang: kernel BUG in clear_inode (line 40); give the scenario" "$w/out"; then
	echo "exit-codes: reproduce of a crash log does not ask for -s: $(head -c 300 "$w/out")"
	bad=$((bad + 1))
fi
# trial: 0 and 1 come from `run -j 2` in the integration tests.
expect 2 "$exe" trial --trial 1
mkdir -p "$w/fixed/trials/1" && cp scenarios/smoke.ini "$w/fixed/scenario.ini"
expect 3 "$exe" trial --run-dir "$w/fixed" --trial 1 --kernel nosuch --cluster none

echo "exit-codes: $((n - bad)) of $n as documented"
[ $bad -eq 0 ]
