#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of fastflowctl against recorded output of fastflowctl
# (tests/data/completion: `pipelines demo --json` of a pipeline with
# default_env, secrets and schedules[], and `runs --json`), through a
# stand-in fastflowctl on PATH: run ids, --config ids, -e names.
#
# Usage: check-completion.sh COMPLETION-FILE DATA-DIR
set -euo pipefail
completion=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/fastflowctl" <<STUB
#!/bin/bash
case "\$*" in
  "pipelines demo --json") cat "$data/pipeline-demo.json" ;;
  "runs --limit 50 --json") cat "$data/runs.json" ;;
  "runs --state running --limit 0 --json") cat "$data/runs.json" ;;
  "runs --state "*) echo "[]" ;;
  *) exit 1 ;;
esac
STUB
chmod +x "$work/fastflowctl"
PATH=$work:$PATH

# What bash-completion's _init_completion sets, from COMP_WORDS/COMP_CWORD.
_init_completion ()
{
  words=("${COMP_WORDS[@]}")
  cword=$COMP_CWORD
  cur=${words[cword]}
  prev=${words[cword - 1]}
}
compopt () { :; }
# shellcheck source=/dev/null
source "$completion"

failures=0
expect ()
{
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _fastflowctl || true
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
  if [[ $got != "$want" ]]; then
    echo "not ok: '$*' completes to '$got', expected '$want'"
    failures=$((failures + 1))
  else
    echo "ok: '$*' → $got"
  fi
}

ids=$(grep -o '"id" *: *[0-9]*' "$data/runs.json" | grep -o '[0-9]*$' | sort | tr '\n' ' ')
[[ -n $ids ]] || { echo "no run ids in $data/runs.json"; exit 1; }
expect "hourly nightly " fastflowctl run demo --config ""
expect "nightly " fastflowctl run --detach demo --config n
expect "API_TOKEN= LOG_LEVEL= REGION= " fastflowctl run demo -e ""
expect "LOG_LEVEL= " fastflowctl run -e LOG_LEVEL=1 demo --env L
expect "$ids" fastflowctl status ""
expect "$ids" fastflowctl logs ""
expect "$ids" fastflowctl cancel ""
expect "--lines " fastflowctl status --li
expect "$ids" fastflowctl rerun ""
expect "--detach " fastflowctl rerun --de
exit $((failures > 0))
