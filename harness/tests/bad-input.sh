#!/bin/sh
# Bad input, as a careless or hostile user gives it: scenario files and -o
# values, kernel logs for triage, run directories for compare and summary,
# kernel add, the option parser. Each case says what it expects: "refuse"
# (exit 1-3 with an "iputstorm: ..." message that is not "unknown error"),
# or an exit code. Anything else counts as mishandled, and so does a crash,
# a sanitizer report or a run over 60 s. Prints one line per mishandled case
# and the count; exits 1 when any is mishandled.
#
# usage: harness/tests/bad-input.sh [IPUTSTORM]   (ctest runs it on the build it tests)
set -u
cd "$(dirname "$0")/../.."
exe=${1:-build-asan/harness/iputstorm}
[ -x "$exe" ] || { echo "bad-input: no $exe (run tools/test, or give the binary)" >&2; exit 2; }
exe=$(realpath "$exe")
w=$(mktemp -d /tmp/iputstorm-bad.XXXXXX)
trap 'chmod -R u+w "$w"; rm -rf "$w"' EXIT
export IPUTSTORM_CACHE="$w/cache" IPUTSTORM_STATE="$w/state"
tried=0
good=0

# case NAME EXPECT -- ARGS...: EXPECT is "refuse" or an exit code.
case_() {
	name=$1
	want=$2
	shift 3
	tried=$((tried + 1))
	timeout 60 "$@" >"$w/out" 2>"$w/err" </dev/null
	rc=$?
	why=""
	if [ $rc -eq 124 ]; then
		why="no answer in 60 s"
	elif [ $rc -ge 128 ]; then
		why="killed by signal $((rc - 128))"
	elif grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$w/err"; then
		why="sanitizer: $(grep -m1 -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$w/err")"
	elif [ "$want" = refuse ]; then
		if [ $rc -eq 0 ]; then
			why="accepted"
		elif ! grep -q '^iputstorm' "$w/err" || grep -q 'unknown error' "$w/err"; then
			why="refused without a clear message: $(head -c 200 "$w/err")"
		fi
	elif [ "$rc" != "$want" ]; then
		why="exit $rc, want $want: $(head -c 200 "$w/err")"
	fi
	if [ -n "$why" ]; then
		echo "MISHANDLED $name: $why"
	else
		good=$((good + 1))
	fi
}

ini() { printf "%b" "$2" >"$w/$1"; }

# ---- scenario files ----
ini nul.ini '[global]\nduration = 3\0000000\n'
ini utf8.ini '[global]\ndescription = caf\351\n'
ini ctl.ini '[global]\ndescription = a\033[2Jb\n'
ini empty.ini ''
ini bom.ini '\357\273\277[global]\nduration = 10\n'
ini crlf.ini '[global]\r\nduration = 10\r\n'
ini unknown.ini '[global]\nbogus = 1\n'
ini dup.ini '[global]\nduration = 1\nduration = 2\n'
ini notype.ini '[global]\n[w]\nkind = writer\n'
ini badtype.ini '[global]\n[w]\ntype = bogus\n'
ini nosec.ini 'duration = 10\n'
ini emptysec.ini '[]\n'
ini opensec.ini '[global\n'
ini novalue.ini '[global]\nduration\n'
ini space.ini '[global]\n[w x]\ntype = churn\nkind = writer\n'
ini long.ini "[global]\ndescription = $(head -c 300 /dev/zero | tr '\0' x)\n"
ini negdur.ini '[global]\nduration = -1\n'
ini samefiles.ini '[global]\n[a]\ntype = churn\nkind = verify\ndir = d\n[b]\ntype = churn\nkind = verify\ndir = d\n'
ini oneclient.ini '[global]\n[a]\ntype = churn\nkind = verify-append\n'
ini safewithout.ini '[global]\nend_when_safe = 3\n[a]\ntype = churn\nkind = writer\n'
ini safeblind.ini '[global]\nend_when_safe = 3\ntelemetry = false\n[a]\ntype = inject\ninjection = lost-truncate\n'
ini nfsvia.ini '[global]\n[a]\ntype = churn\nkind = writer\nvia = smb\n'
ini nfsreclaim.ini '[global]\n[a]\ntype = drop_caches\nvalue = 2\nvia = nfs\n'
ini nfsexpire.ini '[global]\n[a]\ntype = churn\nkind = writer\n[x]\ntype = nfs-expire\nat = 1s\n'
ini fscwithdraw.ini '[global]\n[a]\ntype = churn\nkind = writer\n[x]\ntype = fscache-withdraw\nat = 1s\n'
ini fscblk.ini '[global]\nfscache = yes please\n[a]\ntype = churn\nkind = writer\n'
ini nfsv4.ini '[global]\nnfs_version = 4\n[a]\ntype = churn\nkind = writer\nvia = nfs\n'
ini nfs3expire.ini '[global]\nnfs_version = 3\n[a]\ntype = churn\nkind = writer\nvia = nfs\n[x]\ntype = nfs-expire\nat = 1s\n'
ini fscdelay.ini '[global]\nfscache_read_delay = 300ms\n[a]\ntype = churn\nkind = writer\n'
ini fscdelaybig.ini '[global]\nfscache = true\nfscache_read_delay = 11s\n[a]\ntype = churn\nkind = writer\n'
ini nfsevery.ini '[global]\n[a]\ntype = churn\nkind = writer\nvia = nfs\n[x]\ntype = nfs-expire\nat = 1s\nevery = -1\n'
head -c 52428800 /dev/zero | tr '\0' a >"$w/big.ini"
{ echo "[global]"; for i in $(seq 300); do printf '[g%d]\ntype = churn\nkind = writer\n' "$i"; done; } >"$w/many.ini"
mkdir "$w/dir.ini"
for f in nul utf8 ctl unknown dup notype badtype nosec emptysec opensec novalue space negdur big many \
	samefiles oneclient safewithout safeblind nfsvia nfsreclaim nfsexpire nfsv4 nfs3expire nfsevery fscwithdraw fscblk fscdelay fscdelaybig; do
	case_ "scenario $f" refuse -- "$exe" validate "$w/$f.ini"
done
case_ "scenario is a directory" refuse -- "$exe" validate "$w/dir.ini"
case_ "scenario missing" refuse -- "$exe" validate "$w/missing.ini"
case_ "empty scenario (defaults)" 0 -- "$exe" validate "$w/empty.ini"
case_ "scenario with a BOM" 0 -- "$exe" validate "$w/bom.ini"
case_ "scenario with CRLF" 0 -- "$exe" validate "$w/crlf.ini"
case_ "300-character value" 0 -- "$exe" validate "$w/long.ini"

# ---- -o overrides ----
for o in "writers.memory.max=1e30" "writers.memory.max=0x10" "writers.memory.max=0" \
	"writers.cgroup=../../../../etc" "writers.cgroup=/sys/fs/cgroup" "writers.cgroup=a/b/c" \
	"metadata.dir=/etc" "metadata.dir=a/../.." "metadata.dir=a//b" "writers.jobfile=/etc" \
	"writers.jobfile=/nonexistent.fio" "duration=abc" "duration=-5" "nogroup.duration=1" \
	"novalue" "=1" "" "description=x
[evil]
type = sysrq" "writers.args=--hdd 1
[e]"; do
	case_ "-o '$o'" refuse -- "$exe" validate scenarios/smoke.ini -o "$o"
done

# ---- triage ----
log=harness/tests/data/klog/journal-6.12-msgr-netfs.log
sed 's/kworker\/1:1/aaaaaaaaaaaaaa\xc3/g' "$log" >"$w/comm.log"
sed 's/\[ceph\]/[ceph\xc3]/' harness/tests/data/klog/console-6.12-writeback-hang.log >"$w/mod.log"
: >"$w/empty.log"
i=0
while [ $i -lt 3000 ]; do cat harness/tests/data/klog/console-6.12-writeback-hang.log; i=$((i + 1)); done >"$w/big.log"
case_ "triage: a comm cut inside UTF-8" 1 -- "$exe" triage "$w/comm.log"
case_ "triage: a module name not UTF-8" 1 -- "$exe" triage "$w/mod.log"
case_ "triage: lines inside traces" 1 -- "$exe" triage harness/tests/data/klog/console-6.12-lines-inside-traces.log
case_ "triage: interleaved callers" 1 -- "$exe" triage harness/tests/data/klog/console-6.12-interleaved-callers.log
case_ "triage: empty log" 0 -- "$exe" triage "$w/empty.log"
case_ "triage: a binary" 0 -- "$exe" triage /bin/true
case_ "triage: 5 MB of hangs" 1 -- "$exe" triage "$w/big.log"
case_ "triage: missing file" refuse -- "$exe" triage "$w/nothere.log"
case_ "triage: a directory" refuse -- "$exe" triage "$w"
case_ "triage: bad signatures file" refuse -- "$exe" triage --signatures "$w/utf8.ini" "$log"

# ---- compare and summary ----
mkdir -p "$w/e" "$w/arr" "$w/garbage" "$w/notrials" "$w/ro"
echo '{"trials":[]}' >"$w/e/run.json"
echo '[]' >"$w/arr/run.json"
printf '{"trials": [1, 2' >"$w/garbage/run.json"
echo '{"id":"x","trials":[{"verdict":"BOGUS"},{"trial":"x"}]}' >"$w/notrials/run.json"
cp harness/fuzz/corpus/runfile/run-matrix.json "$w/ro/run.json"
chmod a-w "$w/ro"
case_ "compare: no trials, --baseline" refuse -- "$exe" compare --baseline X "$w/e"
case_ "compare --json: no trials (a JSON error, exit 2)" 2 -- "$exe" --json compare "$w/e"
case_ "compare: run.json is an array" refuse -- "$exe" compare "$w/arr"
case_ "compare: cut JSON" refuse -- "$exe" compare "$w/garbage"
case_ "compare: bad trials" refuse -- "$exe" compare "$w/notrials"
case_ "compare: empty directory" refuse -- "$exe" compare "$w/ro/.."
case_ "summary: cut JSON" refuse -- "$exe" summary "$w/garbage"
case_ "summary: no such directory" refuse -- "$exe" summary "$w/nothere"
if [ "$(id -u)" -ne 0 ]; then
	case_ "compare: a directory it cannot write" refuse -- "$exe" compare "$w/ro"
fi

# ---- kernel ----
: >"$w/empty.img"
mkdir -p "$w/m/lib/modules/6.1.0-x"
case_ "kernel add: 0-byte image" refuse -- "$exe" kernel add k0 --image "$w/empty.img" --modules "$w/m"
case_ "kernel add: missing image" refuse -- "$exe" kernel add k1 --image "$w/no.img" --modules "$w/m"
case_ "kernel add: name with /" refuse -- "$exe" kernel add a/b --image /bin/true --modules "$w/m"
case_ "kernel add: name .." refuse -- "$exe" kernel add .. --image /bin/true --modules "$w/m"
case_ "kernel add: no --modules" refuse -- "$exe" kernel add k2 --image /bin/true

# ---- the command line ----
case_ "unknown command" refuse -- "$exe" bogus
case_ "run -n 0" refuse -- "$exe" run -n 0
case_ "run -n abc" refuse -- "$exe" run -n abc
case_ "run -k ''" refuse -- "$exe" run -k ""
case_ "run -s missing" refuse -- "$exe" run -s nothere
case_ "run -j 0" refuse -- "$exe" run -j 0
case_ "run -j 99" refuse -- "$exe" run -j 99
case_ "run -j 2 with an MDS failover action" 2 -- "$exe" run -j 2 -s natural-caps
printf '[global]\nmon_host = 127.0.0.1:1\n' >"$w/ext.conf"
printf '[client.other]\n\tkey = AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n' >"$w/ext.keyring"
case_ "--ceph-conf without --keyring and --id" 2 -- "$exe" run --ceph-conf "$w/ext.conf"
case_ "--ceph-conf with --cluster" 2 -- "$exe" run --ceph-conf "$w/ext.conf" \
	--keyring "$w/ext.keyring" --id u --cluster c
case_ "--id client.NAME" refuse -- "$exe" run --id client.u
case_ "an MDS failover on an existing cluster" 2 -- "$exe" run -s natural-caps \
	--ceph-conf "$w/ext.conf" --keyring "$w/ext.keyring" --id u
{ cat scenarios/smoke.ini; printf '[cluster]\nceph_config = osd osd_op_queue wpq\n'; } >"$w/cfg.ini"
case_ "a config change on an existing cluster" 2 -- "$exe" run -s "$w/cfg.ini" \
	--ceph-conf "$w/ext.conf" --keyring "$w/ext.keyring" --id u
case_ "a keyring without the --id's key" 2 -- "$exe" run -s smoke --results "$w/r" \
	-k none --ceph-conf "$w/ext.conf" --keyring "$w/ext.keyring" --id u
printf '[target a]\ntree = /nonexistent-tree\n[scenario smoke]\n' >"$w/ny-tree.ini"
case_ "nightly: a tree that is not there" 3 -- "$exe" nightly --dry-run "$w/ny-tree.ini"
printf '[target a]\nkernel = k\n[scenario s]\ntrials = many\n' >"$w/ny-bad.ini"
case_ "nightly: trials that are no number" 2 -- "$exe" nightly "$w/ny-bad.ini"
case_ "matrix --slurm of a kernel not in the store" refuse -- "$exe" matrix --slurm -s smoke \
	-k none-a -k none-b --results "$w/r"
case_ "matrix --slurm with -j" 2 -- "$exe" matrix --slurm -j 2 -s smoke -k a -k b
case_ "trial without its run" refuse -- "$exe" trial --trial 1
case_ "trial of a directory that is no run" refuse -- "$exe" trial --run-dir "$w" --trial 1 \
	--kernel k --cluster c
case_ "unknown option" refuse -- "$exe" validate --bogus scenarios/smoke.ini
case_ "option without its value" refuse -- "$exe" run -o
case_ "--json after the command" 0 -- "$exe" validate scenarios/smoke.ini --json
case_ "options after operands" 0 -- "$exe" validate scenarios/smoke.ini -o duration=5
case_ "-- ends options" refuse -- "$exe" validate -- --json

echo "bad-input: $good of $tried handled well"
[ "$good" -eq "$tried" ]
