# bash completion for haul(1); installed as
# share/bash-completion/completions/haul (bash-completion loads it on demand).
# Works with and without the bash-completion package.

# Every option of `haul --help`, one line each, in its order: the option's
# names, then what its argument is:
#   file  a file name         dir    a directory name
#   hash  a --checksum TYPE=  text   anything (nothing is offered)
#   progress  a --progress MODE
#   -     no argument
# Adding an option to haul: add its line here (tests/packaging checks that
# the names here are exactly those of `haul --help`).
_haul_option_table='
   --config               file
-i --input-file           file
-o --output               file
   --buffer-size          text
-d --dir                  dir
   --overwrite            -
-c --continue             -
   --content-disposition  -
   --mirror               text
   --checksum             hash
-x --connections          text
-j --jobs                 text
   --max-connections      text
   --max-per-host         text
   --retries              text
   --connect-timeout      text
   --speed-time           text
   --min-piece-size       text
   --retry-wait           text
   --lowest-speed-limit   text
   --max-speed            text
   --max-overall-speed    text
-H --header               text
-A --user-agent           text
   --ca-certificate       file
-k --insecure             -
   --proxy                text
   --noproxy              text
-u --user                 text
-n --netrc                -
   --netrc-file           file
-q --quiet                -
-v --verbose              -
   --stats                -
   --version              -
   --progress             progress
   --progress-file        file
   --summary-json         file
-h --help                 -
   --skip-existing        -
-N --timestamping         -
   --shard                text
'

# Prints the argument kind of option $1 ("-" for none, nothing if unknown).
_haul_argument_kind() {
  local line words
  while read -r line; do
    [[ -n $line ]] || continue
    read -r -a words <<<"$line"
    local last=$((${#words[@]} - 1)) i
    for ((i = 0; i < last; i++)); do
      if [[ ${words[i]} == "$1" ]]; then
        printf '%s\n' "${words[last]}"
        return
      fi
    done
  done <<<"$_haul_option_table"
}

# Every option name in the table.
_haul_option_names() {
  local line words
  while read -r line; do
    [[ -n $line ]] || continue
    read -r -a words <<<"$line"
    printf '%s\n' "${words[@]:0:${#words[@]}-1}"
  done <<<"$_haul_option_table"
}

# File names (or, with -d, directories): bash-completion's _filedir when it
# is loaded, plain compgen otherwise.
_haul_files() {
  if declare -F _filedir >/dev/null; then
    _filedir "$@"
    return
  fi
  compopt -o filenames 2>/dev/null
  if [[ $1 == -d ]]; then
    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

_haul() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  case $(_haul_argument_kind "$prev") in
    file) _haul_files; return ;;
    dir) _haul_files -d; return ;;
    hash)
      mapfile -t COMPREPLY < <(compgen -W 'md5= sha-1= sha-256= sha-512=' -- "$cur")
      compopt -o nospace 2>/dev/null
      return
      ;;
    progress)
      mapfile -t COMPREPLY < <(compgen -W 'auto bar line json none' -- "$cur")
      return
      ;;
    text) return ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_haul_option_names)" -- "$cur")
  fi
}

complete -F _haul haul
