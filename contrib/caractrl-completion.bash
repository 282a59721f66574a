# Bash completion for caractrl. Install:
#   sudo cp contrib/caractrl-completion.bash /etc/bash_completion.d/caractrl
# or source it from ~/.bashrc. Object names are completed from the server
# (CARA_SERVER or --server) when it answers.

_caractrl_names() {
  local kind=$1 server=${CARA_SERVER:-http://localhost:8080} i
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ ${COMP_WORDS[i]} == --server ]] && server=${COMP_WORDS[i + 1]}
  done
  caractrl --server "$server" get "$kind" -o json 2>/dev/null |
    sed -n 's/^      "name": "\(.*\)",\{0,1\}$/\1/p'
}

_caractrl() {
  local cur prev words
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="apply get describe delete logs port-forward diff sync version"
  local globals="--server -o --output --help"

  case $prev in
    -o | --output) COMPREPLY=($(compgen -W "table json yaml markdown" -- "$cur")); return ;;
    -f | --filename) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --repo | --ssh-key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --path | --ref | --base | --source-id | --max-delete | --timeout | --interval | --parallel)
      return ;;
    --server) return ;;
    --phase)
      COMPREPLY=($(compgen -W "Pending Scheduled Running Failed Terminating Terminated" -- "$cur"))
      return ;;
  esac

  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      apply | get | describe | delete | logs | port-forward | diff | sync | version)
        cmd=${COMP_WORDS[i]}; break ;;
    esac
  done

  case $cmd in
    "") COMPREPLY=($(compgen -W "$commands $globals" -- "$cur")) ;;
    apply) COMPREPLY=($(compgen -W "-f --filename --expire-in --dry-run" -- "$cur")) ;;
    get | describe | delete)
      case $prev in
        node | nodes) COMPREPLY=($(compgen -W "$(_caractrl_names nodes)" -- "$cur")) ;;
        project | projects) COMPREPLY=($(compgen -W "$(_caractrl_names projects)" -- "$cur")) ;;
        *)
          local extra="-l --selector -w --watch --phase"
          [[ $cmd == delete ]] && extra="-f --filename --force"
          COMPREPLY=($(compgen -W "nodes projects $extra" -- "$cur")) ;;
      esac ;;
    logs) COMPREPLY=($(compgen -W "-f --follow --tail --timestamps --node" -- "$cur")) ;;
    port-forward) COMPREPLY=($(compgen -W "--node" -- "$cur")) ;;
    diff | sync)
      local flags="--repo --ref --path --ssh-key --source-id --prune --no-prune --prune-nodes
        --allow-empty --max-delete --show-unchanged"
      [[ $cmd == diff ]] && flags+=" --base"
      [[ $cmd == sync ]] && flags+=" --dry-run --wait --timeout --watch --interval --parallel"
      COMPREPLY=($(compgen -W "$flags" -- "$cur") $(compgen -d -- "$cur")) ;;
  esac
}

complete -F _caractrl caractrl
