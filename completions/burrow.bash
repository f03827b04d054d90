# bash completion for burrow(1)
# Install: copy to /usr/share/bash-completion/completions/burrow, or
# ~/.local/share/bash-completion/completions/burrow, or source it from ~/.bashrc.

_burrow_commands='run create start ps rm load container image save import export images inspect tag untag rmi history system info version'
_burrow_global_opts='--log-level -h --help -v --version'
_burrow_levels='debug info warn error'
_burrow_networks='none host'
_burrow_security_opts='no-new-privileges no-new-privileges=true no-new-privileges=false'
_burrow_ulimits='cpu= fsize= data= stack= core= rss= nproc= nofile= memlock= as= locks= sigpending= msgqueue= nice= rtprio= rttime='
# src/system/capabilities.ts, and ALL
_burrow_capabilities='ALL CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
  LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
  SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
  SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
  MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
  CHECKPOINT_RESTORE'

# burrow run and burrow create: options that take a value, and those that do not.
_burrow_run_opts_arg='--rootfs --name --entrypoint -e --env --env-file -w --workdir -h --hostname -u --user -v --volume
  --tmpfs --network --net --cap-add --cap-drop --security-opt --ulimit --log-level'
_burrow_run_opts_flag='--read-only -i --interactive -t --tty --init --rm'
_burrow_version_opts_arg='--log-level'
# burrow start, rm, ps, load
_burrow_start_opts_flag='-a --attach -i --interactive'
_burrow_rm_opts_flag='-f --force -a --all -i --ignore'
_burrow_ps_opts_flag='-a --all -q --quiet --no-trunc'
_burrow_load_opts_arg='-i --input --log-level'
_burrow_load_opts_flag='-q --quiet'
# burrow save, import, export
_burrow_save_opts_arg='-o --output --format --log-level'
_burrow_save_opts_flag='-m --multi-image-archive -q --quiet'
_burrow_import_opts_arg='-c --change -m --message --arch --os --variant --log-level'
_burrow_import_opts_flag='-q --quiet'
_burrow_export_opts_arg='-o --output --log-level'
_burrow_save_formats='docker-archive oci-archive oci-dir'
_burrow_changes='CMD ENTRYPOINT ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR'
# burrow images, image inspect, inspect, tag, untag, rmi, image prune, history, system df, info
_burrow_images_opts_arg='--format --log-level'
_burrow_images_opts_flag='-a --all -q --quiet --no-trunc'
_burrow_inspect_opts_arg='-f --format -t --type --log-level'
_burrow_rmi_opts_flag='-a --all -f --force -i --ignore'
_burrow_prune_opts_flag='-a --all -f --force'
_burrow_history_opts_flag='--no-trunc -q --quiet'
_burrow_info_opts_arg='-f --format --log-level'

# _burrow_words_in WORD LIST: is WORD one of the words of LIST?
_burrow_words_in() {
  local w
  for w in $2; do [[ $1 == "$w" ]] && return 0; done
  return 1
}

# Image names and container names, from burrow itself.
_burrow_images() {
  mapfile -t COMPREPLY < <(compgen -W "$(burrow images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null)" -- "$1")
  # readline replaces only what follows the last `:` of the word.
  [[ $1 == *:* ]] && COMPREPLY=("${COMPREPLY[@]#"${1%"${1##*:}"}"}")
  return 0
}
_burrow_containers() {
  mapfile -t COMPREPLY < <(compgen -W "$(burrow ps -a --format '{{.Names}}' 2>/dev/null)" -- "$1")
}

# Completes the value of option $1, the current word being $2.
_burrow_value() {
  local opt=$1 cur=$2
  case $opt in
    --rootfs)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    --env-file | -v | --volume)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    -e | --env)
      compopt -o nospace 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -e -- "$cur") ;;
    --network | --net)
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_networks" -- "$cur") ;;
    --cap-add | --cap-drop)
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_capabilities" -- "$cur") ;;
    --security-opt)
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_security_opts" -- "$cur") ;;
    --ulimit)
      compopt -o nospace 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_ulimits" -- "$cur") ;;
    --log-level)
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_levels" -- "$cur") ;;
    *) COMPREPLY=() ;; # --name, --entrypoint, -w, -h, -u, --tmpfs: free text
  esac
  # readline replaces only what follows the last `=` or `:` of the word.
  if [[ $cur == *[=:]* ]]; then
    local prefix=${cur%"${cur##*[=:]}"}
    COMPREPLY=("${COMPREPLY[@]#"$prefix"}")
  fi
  return 0
}

# Completes the words of `burrow run` (and `burrow create`) from index $1 on.
_burrow_run() {
  local i=$1 word rootfs=
  # Options end at IMAGE (with --rootfs, at the container's COMMAND): after it, everything is the command's.
  while ((i < cword)); do
    word=${words[i]}
    [[ $word == --rootfs || $word == --rootfs=* ]] && rootfs=1
    if _burrow_words_in "$word" "$_burrow_run_opts_arg"; then
      ((i += 2))
      continue
    elif [[ $word == -* ]]; then
      ((i += 1))
      continue
    fi
    compopt -o default 2>/dev/null # an argument of the container's command
    COMPREPLY=()
    return
  done
  if ((cword > $1)) && _burrow_words_in "$prev" "$_burrow_run_opts_arg"; then
    _burrow_value "$prev" "$cur"
  elif [[ $cur == --*=* ]]; then
    _burrow_value "${cur%%=*}" "${cur#*=}"
  elif [[ $cur == -* ]]; then
    local opts="$_burrow_run_opts_arg $_burrow_run_opts_flag"
    # --rootfs is run's alone: create makes containers of images.
    [[ ${words[$1 - 1]} == create ]] && opts=${opts/--rootfs /}
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  elif [[ -z $rootfs ]]; then
    _burrow_images "$cur"
  else
    COMPREPLY=() # the container's COMMAND: a path inside the root filesystem
  fi
}

# Completes a command whose options take values ($1) or not ($2), its
# operands being files, containers or images when $3 says so.
_burrow_simple() {
  local opts_arg=$1 opts_flag=$2 operands=$3
  if _burrow_words_in "$prev" "$opts_arg"; then
    case $prev in
      -o | --output | -i | --input)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
      --format) mapfile -t COMPREPLY < <(compgen -W "$_burrow_save_formats" -- "$cur") ;;
      -c | --change) mapfile -t COMPREPLY < <(compgen -W "$_burrow_changes" -- "$cur") ;;
      *) _burrow_value "$prev" "$cur" ;;
    esac
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts_arg $opts_flag" -- "$cur")
  elif [[ $operands == files ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ $operands == containers ]]; then
    _burrow_containers "$cur"
  elif [[ $operands == images ]]; then
    _burrow_images "$cur"
  fi
  return 0
}

# Like _burrow_simple, for commands whose --format (or -f, when $1 has it) is a Go template.
_burrow_report() {
  if [[ $prev == --format ]] || { [[ $prev == -f ]] && _burrow_words_in -f "$1"; }; then
    mapfile -t COMPREPLY < <(compgen -W 'json table' -- "$cur")
  elif [[ $prev == -t || $prev == --type ]]; then
    mapfile -t COMPREPLY < <(compgen -W 'image container all' -- "$cur")
  else
    _burrow_simple "$@"
  fi
}

# Sets words and cword from COMP_WORDS, joining what bash split at `=` and `:`
# (COMP_WORDBREAKS): `--rootfs=DIR` and `-v /a:/b` stay one word each.
_burrow_split() {
  local i w n=0 glue=0
  words=()
  cword=0
  for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
    w=${COMP_WORDS[i]}
    if ((n > 0)) && [[ $w =~ ^[=:]+$ ]]; then
      words[n - 1]+=$w
      glue=1
    elif ((glue)); then
      words[n - 1]+=$w
      glue=0
    else
      words[n]=$w
      ((n += 1))
    fi
    ((i == COMP_CWORD)) && cword=$((n - 1))
  done
  # The cursor right after `--opt=`: the word being completed is still that one.
  ((COMP_CWORD >= ${#COMP_WORDS[@]})) && cword=$n && words[n]=''
  return 0
}

_burrow() {
  local cur prev words cword
  COMPREPLY=()
  _burrow_split
  cur=${words[cword]}
  prev=${words[cword - 1]}

  # Global options come before the command's name.
  local i=1
  while ((i < cword)); do
    case ${words[i]} in
      --log-level) ((i += 2)) ;;
      -*) ((i += 1)) ;;
      *) break ;;
    esac
  done

  if ((i >= cword)); then
    if [[ $prev == --log-level ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_levels" -- "$cur")
    elif [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_global_opts" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$_burrow_commands" -- "$cur")
    fi
    return
  fi

  case ${words[i]} in
    run | create) _burrow_run $((i + 1)) ;;
    start) _burrow_simple '--log-level' "$_burrow_start_opts_flag" containers ;;
    rm) _burrow_simple '-t --time --log-level' "$_burrow_rm_opts_flag" containers ;;
    ps) _burrow_simple '--format --log-level' "$_burrow_ps_opts_flag" ;;
    load) _burrow_simple "$_burrow_load_opts_arg" "$_burrow_load_opts_flag" ;;
    container)
      if ((i + 1 == cword)); then
        mapfile -t COMPREPLY < <(compgen -W "run create start ls list ps rm export" -- "$cur")
      elif [[ ${words[i + 1]} == run || ${words[i + 1]} == create ]]; then
        _burrow_run $((i + 2))
      elif [[ ${words[i + 1]} == start ]]; then
        _burrow_simple '--log-level' "$_burrow_start_opts_flag" containers
      elif [[ ${words[i + 1]} == rm ]]; then
        _burrow_simple '-t --time --log-level' "$_burrow_rm_opts_flag" containers
      elif _burrow_words_in "${words[i + 1]}" 'ls list ps'; then
        _burrow_simple '--format --log-level' "$_burrow_ps_opts_flag"
      elif [[ ${words[i + 1]} == export ]]; then
        _burrow_simple "$_burrow_export_opts_arg" ''
      fi ;;
    image)
      if ((i + 1 == cword)); then
        mapfile -t COMPREPLY < <(compgen -W "load save import ls list inspect prune tag untag rm history" -- "$cur")
      elif [[ ${words[i + 1]} == load ]]; then
        _burrow_simple "$_burrow_load_opts_arg" "$_burrow_load_opts_flag"
      elif [[ ${words[i + 1]} == save ]]; then
        _burrow_simple "$_burrow_save_opts_arg" "$_burrow_save_opts_flag"
      elif [[ ${words[i + 1]} == import ]]; then
        _burrow_simple "$_burrow_import_opts_arg" "$_burrow_import_opts_flag" files
      elif _burrow_words_in "${words[i + 1]}" 'ls list'; then
        _burrow_report "$_burrow_images_opts_arg" "$_burrow_images_opts_flag"
      elif [[ ${words[i + 1]} == inspect ]]; then
        _burrow_report "$_burrow_info_opts_arg" '' images
      elif [[ ${words[i + 1]} == prune ]]; then
        _burrow_simple '--log-level' "$_burrow_prune_opts_flag"
      elif _burrow_words_in "${words[i + 1]}" 'tag untag'; then
        _burrow_simple '--log-level' '' images
      elif [[ ${words[i + 1]} == rm ]]; then
        _burrow_simple '--log-level' "$_burrow_rmi_opts_flag" images
      elif [[ ${words[i + 1]} == history ]]; then
        _burrow_report "$_burrow_images_opts_arg" "$_burrow_history_opts_flag" images
      fi ;;
    images) _burrow_report "$_burrow_images_opts_arg" "$_burrow_images_opts_flag" ;;
    inspect) _burrow_report "$_burrow_inspect_opts_arg" '' images ;;
    tag | untag) _burrow_simple '--log-level' '' images ;;
    rmi) _burrow_simple '--log-level' "$_burrow_rmi_opts_flag" images ;;
    history) _burrow_report "$_burrow_images_opts_arg" "$_burrow_history_opts_flag" images ;;
    info) _burrow_report "$_burrow_info_opts_arg" '' ;;
    system)
      if ((i + 1 == cword)); then
        mapfile -t COMPREPLY < <(compgen -W "df info" -- "$cur")
      elif [[ ${words[i + 1]} == df ]]; then
        _burrow_report "$_burrow_images_opts_arg" ''
      elif [[ ${words[i + 1]} == info ]]; then
        _burrow_report "$_burrow_info_opts_arg" ''
      fi ;;
    save) _burrow_simple "$_burrow_save_opts_arg" "$_burrow_save_opts_flag" ;;
    import) _burrow_simple "$_burrow_import_opts_arg" "$_burrow_import_opts_flag" files ;;
    export) _burrow_simple "$_burrow_export_opts_arg" '' ;;
    version)
      if [[ $prev == --log-level ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$_burrow_levels" -- "$cur")
      elif [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$_burrow_version_opts_arg" -- "$cur")
      fi ;;
  esac
}

complete -F _burrow burrow
