#!/bin/sh
# iputstorm(1) has a section per command, and bash completion offers the
# commands, a command's options and the stored kernels.
#
# usage: harness/tests/manual.sh IPUTSTORM MANPAGE
set -u
cd "$(dirname "$0")/../.."
exe=$(realpath "$1")
man=$2
bad=0
for c in $("$exe" --help | awk '/^  [a-z]/ { print $1 }'); do
	grep -q "^\.SH \"iputstorm $c\"" "$man" || { echo "manual: no section for $c"; bad=1; }
done
complete_() {
	PATH="$(dirname "$exe"):$PATH" bash -c '. tools/completion/iputstorm.bash
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _iputstorm; echo "${COMPREPLY[*]}"' _ "$@"
}
[ "$(complete_ iputstorm ma)" = matrix ] || { echo "manual: 'ma' does not complete to matrix"; bad=1; }
case " $(complete_ iputstorm compare --ex) " in
*" --expect-fixed "*) ;;
*) echo "manual: compare --ex does not complete to --expect-fixed"; bad=1 ;;
esac
case " $(complete_ iputstorm kernel f) " in
*" fetch "*) ;;
*) echo "manual: kernel f does not complete to fetch"; bad=1 ;;
esac
exit $bad
