# SPDX-License-Identifier: MIT
# bash completion for hvsup-cli (installed as share/bash-completion/completions/hvsup-cli).
# Self-contained (compgen only, no bash-completion helpers) so `source`-ing it works anywhere.
# Completes subcommands, options, the values of enumerated options and, after --runtime, the
# runtimes recorded in the --state-dir given earlier on the line.

_hvsup_cli_runtimes()
{
    local state_dir="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == --state-dir ]] || continue
        # --state-dir DIR, or --state-dir=DIR (bash splits it as --state-dir, =, DIR).
        if [[ ${COMP_WORDS[i + 1]} == = ]]; then state_dir="${COMP_WORDS[i + 2]}"; else state_dir="${COMP_WORDS[i + 1]}"; fi
    done
    [[ -n $state_dir && -d $state_dir ]] || return 0
    local d
    for d in "$state_dir"/*/runtime.json; do
        [[ -f $d ]] || continue
        d="${d%/runtime.json}"
        printf '%s\n' "${d##*/}"
    done
}

_hvsup_cli()
{
    COMPREPLY=()
    local cur="${COMP_WORDS[COMP_CWORD]}" prev=""
    ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"
    # --option=VALUE arrives as --option, = and VALUE (COMP_WORDBREAKS has '='): prev is the option.
    if [[ $cur == = ]]; then cur=""; elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then prev="${COMP_WORDS[COMP_CWORD - 2]}"; fi
    local commands="check prepare start run inspect stop halt kill quarantine delete host doctor plan"
    local options="--state-dir --hcs-library --hcn-library --hcs-api --boot-mode --listener-helper
        --stop-grace-ms --verbose --version --help --request --request-json --runtime --config
        --request-id --role --json --kernel --guest-init"
    case "$prev" in
        --state-dir)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
        --config|--request|--hcs-library|--hcn-library|--listener-helper|--kernel|--guest-init)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
        --hcs-api)
            mapfile -t COMPREPLY < <(compgen -W 'computecore vmcompute' -- "$cur"); return 0 ;;
        --boot-mode)
            mapfile -t COMPREPLY < <(compgen -W 'auto kernel-direct uefi-vmbfs' -- "$cur"); return 0 ;;
        --role)
            mapfile -t COMPREPLY < <(compgen -W 'workload enforcer' -- "$cur"); return 0 ;;
        --runtime)
            mapfile -t COMPREPLY < <(compgen -W "$(_hvsup_cli_runtimes)" -- "$cur"); return 0 ;;
        --request-json|--request-id|--stop-grace-ms)
            return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
        return 0
    fi
    # A subcommand only when none was given yet (option values are not subcommands).
    local i word
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        [[ " $commands " == *" $word "* && ${COMP_WORDS[i - 1]} != --* && ${COMP_WORDS[i - 1]} != = ]] && return 0
    done
    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
}

complete -F _hvsup_cli hvsup-cli
