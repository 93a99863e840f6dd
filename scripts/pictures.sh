#!/usr/bin/env bash
# Regenerates every picture in docs/ from the current code, with the very commands the documents
# show beside them, so a picture can never drift from its caption.
#
#   scripts/pictures.sh            regenerate all of docs/*.png
#   scripts/pictures.sh NAME...    only these (graph-apple, docs/bench-quick.png, ...)
#   scripts/pictures.sh --list     print each picture's command and run nothing
#
# The commands are read from README.md and docs/*.md: a code span `./clayers ... docs/NAME.png`
# (the picture given to --png or --plot). Every docs/*.png must have exactly one such command (the
# same command may appear in several documents); a picture without one, or with two different
# ones, is an error, so a document that shows a new picture must also show how it was made.
# Commands run from the project root (./clayers builds the jar first when it is stale). Timings in
# the bench picture depend on the machine and its load; the graphs and the training curves repeat
# exactly on the same device.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

list=0
wanted=()
for a in "$@"; do
    case "$a" in
        --list) list=1 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) n="$(basename "$a")"; wanted+=("${n%.png}") ;;
    esac
done

# Every `./clayers ... docs/X.png ...` code span in the documents, one per line, duplicates dropped.
mapfile -t commands < <(grep -ho '`\./clayers [^`]*docs/[A-Za-z0-9_.-]*\.png[^`]*`' README.md docs/*.md | tr -d '`' | sort -u)

# The picture a command writes: the argument after --png or --plot.
target() { sed -nE 's/.*--(png|plot)[ =](docs\/[A-Za-z0-9_.-]+\.png).*/\2/p' <<<"$1"; }

declare -A command_of=()
status=0
for c in "${commands[@]}"; do
    t="$(target "$c")"
    if [ -z "$t" ]; then continue; fi
    if [[ "$c" =~ [\;\|\&\$\<\>\(\)] ]]; then
        echo "pictures: refusing a command with shell syntax: $c" >&2; status=1; continue
    fi
    if [ -n "${command_of[$t]:-}" ] && [ "${command_of[$t]}" != "$c" ]; then
        echo "pictures: two different commands write $t:" >&2
        echo "  ${command_of[$t]}" >&2
        echo "  $c" >&2
        status=1
    fi
    command_of[$t]="$c"
done
for png in docs/*.png; do
    [ -e "$png" ] || continue
    if [ -z "${command_of[$png]:-}" ]; then
        echo "pictures: no document shows the command that makes $png (a code span \`./clayers ... --png|--plot $png\`)" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] || exit 1

mapfile -t pictures < <(printf '%s\n' "${!command_of[@]}" | sort)
if [ ${#wanted[@]} -gt 0 ]; then
    chosen=()
    for w in "${wanted[@]}"; do
        if [ -z "${command_of[docs/$w.png]:-}" ]; then echo "pictures: no command for docs/$w.png" >&2; exit 2; fi
        chosen+=("docs/$w.png")
    done
    pictures=("${chosen[@]}")
fi

for p in "${pictures[@]}"; do
    c="${command_of[$p]}"
    if [ "$list" -eq 1 ]; then printf '%s\t%s\n' "$p" "$c"; continue; fi
    echo "pictures: $c" >&2
    start=$SECONDS
    # Word splitting is what turns the documented line into arguments; it holds no shell syntax (checked above).
    read -r -a argv <<<"$c"
    "${argv[@]}" >/dev/null
    echo "pictures: wrote $p in $((SECONDS - start)) s" >&2
done
