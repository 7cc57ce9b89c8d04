# SPDX-License-Identifier: MIT
# bash completion for vhdbuild (installed as share/bash-completion/completions/vhdbuild).
# Self-contained (compgen only). Completes the inspect/verify subcommands, the options, and
# files or directories for the options that take them.

_vhdbuild()
{
    COMPREPLY=()
    local cur="${COMP_WORDS[COMP_CWORD]}" prev=""
    ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"
    # --option=VALUE arrives as --option, = and VALUE (COMP_WORDBREAKS has '='): prev is the option.
    if [[ $cur == = ]]; then cur=""; elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then prev="${COMP_WORDS[COMP_CWORD - 2]}"; fi
    local options="--from-dir --from-tar --from-oci --empty --output --size --free --label --uuid
        --timestamp --raw --metadata-csum --64bit --no-journal --overlay --platform --ref
        --convert-backslash --guest-init --json --quiet --version --help"
    case "$prev" in
        --from-dir|--from-oci)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
        --from-tar|-o|--output)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
        --guest-init)
            # Its PATH is optional: an option may follow instead.
            if [[ $cur != -* ]]; then
                mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0
            fi ;;
        --empty|--size|--free|--label|--uuid|--timestamp|--platform|--ref)
            return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        options="${options//$'\n'/ }"
        mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
        return 0
    fi
    if ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W 'inspect verify' -- "$cur"; compgen -f -- "$cur")
        return 0
    fi
    # inspect/verify IMAGE, or a file argument.
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _vhdbuild vhdbuild
