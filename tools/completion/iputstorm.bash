# bash completion for iputstorm (installed by tools/setup). Commands, verbs and
# options are read from iputstorm's own --help, so they never go stale;
# -s completes shipped scenarios and files, -k stored kernels.
_iputstorm() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]} words
	if [ "$COMP_CWORD" -eq 1 ]; then
		words=$(iputstorm --help 2>/dev/null | awk '/^  [a-z]/ { print $1 }')
		COMPREPLY=($(compgen -W "$words --json -v --help" -- "$cur"))
		return
	fi
	case $prev in
	-s | --scenario)
		words=$(ls "$(dirname "$(command -v iputstorm)")/../share/iputstorm/scenarios" \
			2>/dev/null | sed -n 's/\.ini$//p' | grep -v '^signatures$')
		COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur"))
		return
		;;
	--flavor)
		COMPREPLY=($(compgen -W "generic cloud rt" -- "$cur"))
		return
		;;
	-k | --kernel | --base)
		words=$(iputstorm kernel list 2>/dev/null | cut -f1)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
		;;
	esac
	if [ "$cmd" = kernel ] || [ "$cmd" = cluster ]; then
		if [ "$COMP_CWORD" -eq 2 ]; then
			words=$(iputstorm "$cmd" --help 2>/dev/null | awk '/^  [a-z]/ { print $1 }')
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
			return
		fi
	fi
	case $cur in
	-*)
		words=$(iputstorm "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}
complete -F _iputstorm iputstorm
