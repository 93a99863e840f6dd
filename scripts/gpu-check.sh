#!/usr/bin/env bash
# gpu-check.sh: runs clayers' checks and a quick benchmark on every GPU/accelerator OpenCL device
# of this machine and writes one Markdown report; --pack bundles it with the jar and a jlink'd Java
# runtime so it runs on a GPU machine where nothing can be installed. See usage() below.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: gpu-check.sh [--device ID]... [--quick] [--out FILE] [--step-timeout SECONDS]
       gpu-check.sh --pack [DIR_OR_TGZ]
       gpu-check.sh --help

Runs, one after another, and records in ONE Markdown report:
  clayers devices
  and for each device:
  clayers verify    --device ID
  clayers gradcheck --device ID
  clayers bench     --quick --device cpu,ID    (the Java cpu backend as the reference; not with --quick)
  clayers train     --device ID --epochs 2 --no-progress
  and, with two or more devices, for each pair A,B (one network trained on both at once):
  clayers train     --device A,B --epochs 2 --no-progress
  clayers bench     --data-parallel --quick --device A,B  (not with --quick)
Without --device the devices are every OpenCL device whose type is GPU or ACCELERATOR in
`clayers devices --json`; CPU devices and simulators (name or vendor contains Oclgrind, simulat
or emulat: simulator, emulation, ...) are skipped. A device named with --device is always run, whatever its type.
A failing step does not stop the others.

The report (default ./gpu-report-<host>-<YYYY-MM-DD>.md) has a summary table at the top (command,
device, exit code, seconds, PASS/FAIL), then the date, host, `nvidia-smi -L` and `clinfo -l` when
those exist, the Java version and the java that ran, the git commit (or, in a pack, the commit it
was packed from), and each command with its exit code, duration and full output.

Options:
  --device ID             Test this device (repeatable): an id from `clayers devices`
                          (cpu, opencl:P:D) or a name substring.
  --quick                 Skip the bench step.
  --out FILE              Write the report to FILE.
  --step-timeout SECONDS  Stop a step that runs longer (default 1800; needs `timeout`).
  --pack [DIR_OR_TGZ]     Build target/clayers.jar if needed (mvn), make a minimal Java runtime
                          with jlink, and write a .tar.gz holding clayers-gpu-check/ with
                          runtime/, clayers.jar, gpu-check.sh and VERSION. Default:
                          target/clayers-gpu-check.tar.gz; a path ending in .tar.gz or .tgz is the
                          tarball, anything else a folder to write clayers-gpu-check.tar.gz into.
                          On the GPU machine: tar xzf clayers-gpu-check.tar.gz &&
                          cd clayers-gpu-check && ./gpu-check.sh
  -h, --help              This help.

Java: in a pack the bundled ./runtime/bin/java; in the source tree the `java` on PATH (as the
./clayers launcher). The target machine needs only libOpenCL (the ICD loader) and the GPU's ICD.
Extra JVM options: CLAYERS_JAVA_OPTS. OPENCL_LIB=/path/libOpenCL.so.N: the OpenCL loader to use.

Exit status: 0 all steps passed; 1 a step failed; 2 bad usage, no java, or no GPU/accelerator
device found (the report is still written, with the devices and clinfo output).
EOF
}

die_usage() {
    echo "gpu-check: $*" >&2
    exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="$here/$(basename "${BASH_SOURCE[0]}")"

# ---------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------
devices=()
quick=0
out=""
pack=0
pack_dest=""
step_timeout=1800
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --device) if [ $# -lt 2 ] || [ -z "$2" ]; then die_usage "--device needs an id (see: clayers devices)"; fi
                  devices+=("$2"); shift 2 ;;
        --device=*) [ -n "${1#--device=}" ] || die_usage "--device needs an id (see: clayers devices)"
                    devices+=("${1#--device=}"); shift ;;
        --quick) quick=1; shift ;;
        --out) if [ $# -lt 2 ] || [ -z "$2" ]; then die_usage "--out needs a file name"; fi
               out="$2"; shift 2 ;;
        --out=*) out="${1#--out=}"; [ -n "$out" ] || die_usage "--out needs a file name"; shift ;;
        --step-timeout) [ $# -ge 2 ] || die_usage "--step-timeout needs a number of seconds"
                        step_timeout="$2"; shift 2 ;;
        --step-timeout=*) step_timeout="${1#--step-timeout=}"; shift ;;
        --pack) pack=1; shift
                if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then pack_dest="$1"; shift; fi ;;
        *) die_usage "unknown argument '$1' (try --help)" ;;
    esac
done
case "$step_timeout" in '' | *[!0-9]*) die_usage "--step-timeout needs a whole number of seconds, not '$step_timeout'" ;; esac
if [ "$pack" = 1 ] && { [ ${#devices[@]} -gt 0 ] || [ "$quick" = 1 ] || [ -n "$out" ]; }; then
    die_usage "--pack takes no other option"
fi

# ---------------------------------------------------------------------------------------------
# Where the jar and the java come from: a pack (./runtime, ./clayers.jar beside this script) or
# the source tree (scripts/.. with pom.xml, the java on PATH, target/clayers.jar built if stale).
# ---------------------------------------------------------------------------------------------
if [ -x "$here/runtime/bin/java" ] && [ -f "$here/clayers.jar" ]; then
    mode=pack
    root="$here"
    java_bin="$here/runtime/bin/java"
    jar="$here/clayers.jar"
elif [ -f "$here/../pom.xml" ]; then
    mode=source
    root="$(cd "$here/.." && pwd)"
    jar="$root/target/clayers.jar"
    if ! command -v java >/dev/null 2>&1; then
        die_usage "no 'java' on PATH; install Java 17 or later, or use a pack (--pack on a machine with a JDK)"
    fi
    java_bin="$(readlink -f "$(command -v java)")"
else
    die_usage "found neither a pack (runtime/bin/java and clayers.jar) nor the source tree (../pom.xml) beside $self"
fi

# Same check as ./clayers: build when the jar is missing or older than the sources.
build_jar_if_needed() {
    if [ ! -f "$jar" ] || [ -n "$(find "$root/pom.xml" "$root/src/main" "$root/kernels" -newer "$jar" -print -quit 2>/dev/null)" ]; then
        command -v mvn >/dev/null 2>&1 || die_usage "$jar is missing or stale and there is no 'mvn' on PATH to build it"
        echo "gpu-check: building $jar (mvn package, tests skipped) ..." >&2
        (cd "$root" && mvn -B -q package -DskipTests >&2)
    fi
}

# ---------------------------------------------------------------------------------------------
# --pack
# ---------------------------------------------------------------------------------------------
if [ "$pack" = 1 ]; then
    [ "$mode" = source ] || die_usage "--pack needs the source tree (scripts/gpu-check.sh of a clayers checkout)"
    case "$pack_dest" in
        '') tgz="$root/target/clayers-gpu-check.tar.gz" ;;
        *.tar.gz | *.tgz) tgz="$pack_dest" ;;
        *) tgz="${pack_dest%/}/clayers-gpu-check.tar.gz" ;;
    esac
    mkdir -p "$(dirname "$tgz")"
    tgz="$(cd "$(dirname "$tgz")" && pwd)/$(basename "$tgz")"
    build_jar_if_needed
    jdk="$(dirname "$(dirname "$java_bin")")"
    jlink="$jdk/bin/jlink"
    jdeps="$jdk/bin/jdeps"
    if [ ! -x "$jlink" ] || [ ! -x "$jdeps" ]; then die_usage "no jlink/jdeps beside $java_bin (needs a full JDK, not a JRE)"; fi
    [ -d "$jdk/jmods" ] || die_usage "$jdk has no jmods/ folder, which jlink needs (Debian: apt-get install openjdk-17-jdk)"
    # jdeps sees the static dependencies. Added by hand, as jdeps cannot see them: the Vector API
    # (loaded with --add-modules for the fast CPU gemm) and jdk.unsupported (sun.misc.Unsafe,
    # which Gson and other libraries look up by reflection). JOCL's native part needs only libc,
    # libstdc++ and the libOpenCL it opens at run time; slf4j needs java.base only.
    modules="$("$jdeps" --multi-release 17 --print-module-deps --ignore-missing-deps "$jar")"
    modules="$(printf '%s\n' "${modules//,/$'\n'}" jdk.incubator.vector jdk.unsupported | sort -u | paste -sd, -)"
    stage="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check-pack.XXXXXX")"
    trap 'rm -rf "$stage"' EXIT
    dir="$stage/clayers-gpu-check"
    mkdir -p "$dir"
    echo "gpu-check: jlink $modules ..." >&2
    # No jlink --compress: gzip packs the plain modules file better (the tarball: 34 MB, not 40).
    "$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --output "$dir/runtime" 2>&1 | grep -v '^WARNING: Using incubator modules' >&2 || true
    [ -x "$dir/runtime/bin/java" ] || die_usage "jlink failed (see above)"
    [ -f "$dir/runtime/lib/libjsig.so" ] || echo "gpu-check: warning: the runtime has no lib/libjsig.so" >&2
    cp "$jar" "$dir/clayers.jar"
    cp "$self" "$dir/gpu-check.sh"
    chmod 755 "$dir/gpu-check.sh"
    {
        echo "packed: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(uname -n)"
        if git -C "$root" rev-parse HEAD >/dev/null 2>&1; then
            echo "commit: $(git -C "$root" rev-parse HEAD) ($(git -C "$root" log -1 --format='%cd, %s' --date=short))"
            if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                echo "worktree: uncommitted changes to tracked files when packed"
            fi
        fi
        echo "runtime: $("$dir/runtime/bin/java" -version 2>&1 | head -1), modules $modules"
    } >"$dir/VERSION"
    rm -f "$tgz"
    tar -C "$stage" -czf "$tgz" clayers-gpu-check
    size="$(du -k "$tgz" | cut -f1)"
    echo "gpu-check: wrote $tgz ($((size / 1024)) MiB, $size KiB)"
    echo "gpu-check: on the GPU machine: tar xzf $(basename "$tgz") && cd clayers-gpu-check && ./gpu-check.sh"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------
[ "$mode" = source ] && build_jar_if_needed

host="$(uname -n 2>/dev/null || hostname 2>/dev/null || echo unknown-host)"
host="${host%%.*}"
today="$(date +%Y-%m-%d)"
[ -n "$out" ] || out="gpu-report-$host-$today.md"
report_dir="$(dirname "$out")"
[ -d "$report_dir" ] || die_usage "the folder of --out '$out' does not exist"
touch "$out" 2>/dev/null || die_usage "cannot write the report to '$out'"
out="$(cd "$report_dir" && pwd)/$(basename "$out")"

work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# JOCL opens the OpenCL loader by the name libOpenCL.so, which on many machines only exists with
# a -dev package; the runtime package ships libOpenCL.so.1. When libOpenCL.so cannot be found
# (or OPENCL_LIB names a loader), a symlink libOpenCL.so -> that loader is put in a temporary
# folder at the front of LD_LIBRARY_PATH, for the java processes only.
opencl_note=""
find_opencl_so1() {
    local d
    if command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
        d="$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | awk '$1 == "libOpenCL.so.1" && /x86-64|x86_64|AArch64|aarch64/ { print $NF; exit }')"
        [ -n "$d" ] && { echo "$d"; return; }
    fi
    for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib \
             /usr/local/cuda/lib64 /opt/rocm/lib /opt/rocm/opencl/lib; do
        [ -e "$d/libOpenCL.so.1" ] && { echo "$d/libOpenCL.so.1"; return; }
    done
}
has_opencl_so() {
    local d
    local IFS=:
    for d in ${LD_LIBRARY_PATH:-}; do [ -n "$d" ] && [ -e "$d/libOpenCL.so" ] && return 0; done
    { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | awk '$1 == "libOpenCL.so" { f = 1 } END { exit !f }' && return 0
    for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /lib64 /lib; do
        [ -e "$d/libOpenCL.so" ] && return 0
    done
    return 1
}
java_ld_path="${LD_LIBRARY_PATH:-}"
ocl_target="${OPENCL_LIB:-}"
if [ -z "$ocl_target" ] && ! has_opencl_so; then ocl_target="$(find_opencl_so1 || true)"; fi
if [ -n "$ocl_target" ]; then
    if [ -e "$ocl_target" ]; then
        mkdir -p "$work/ocl"
        ln -s "$(readlink -f "$ocl_target")" "$work/ocl/libOpenCL.so"
        java_ld_path="$work/ocl${java_ld_path:+:$java_ld_path}"
        opencl_note="libOpenCL.so -> $ocl_target through a temporary symlink on LD_LIBRARY_PATH"
    else
        opencl_note="OPENCL_LIB=$ocl_target does not exist; left JOCL to find libOpenCL.so itself"
    fi
elif ! has_opencl_so; then
    opencl_note="no libOpenCL.so or libOpenCL.so.1 found: only the Java cpu device will be seen (install the OpenCL ICD loader, or set OPENCL_LIB)"
else
    opencl_note="libOpenCL.so found by the dynamic loader"
fi

# The JVM as ./clayers starts it: libjsig.so preloaded (PoCL and other LLVM-based drivers replace
# the JVM's signal handlers; the JDK's signal chaining keeps them working) and the Vector API.
java_home="$(dirname "$(dirname "$java_bin")")"
jsig="$java_home/lib/libjsig.so"
java_preload="${LD_PRELOAD:-}"
if [ -f "$jsig" ]; then java_preload="$jsig${java_preload:+:$java_preload}"; fi
read -r -a extra_opts <<<"${CLAYERS_JAVA_OPTS:-}"
# ${a[@]+"${a[@]}"}: an empty array under set -u, which bash before 4.4 calls unbound.
java_cmd=("$java_bin" --add-modules jdk.incubator.vector ${extra_opts[@]+"${extra_opts[@]}"} -jar "$jar")
timeout_cmd=()
if command -v timeout >/dev/null 2>&1; then timeout_cmd=(timeout -k 30 "$step_timeout"); fi

# The environment goes on java only: `timeout` under libjsig.so prints a deprecation warning.
java_env=(LD_PRELOAD="$java_preload")
[ -z "$java_ld_path" ] || java_env+=(LD_LIBRARY_PATH="$java_ld_path")
clayers_run() { # clayers_run ARGS... : one clayers command, stdout and stderr to the caller's stdout
    ${timeout_cmd[@]+"${timeout_cmd[@]}"} env "${java_env[@]}" "${java_cmd[@]}" "$@" 2>&1 </dev/null
}

now() {
    local t="${EPOCHREALTIME:-}"
    if [ -n "$t" ]; then echo "${t/,/.}"; else date +%s; fi
}

# Steps: parallel arrays, one entry per step; output in $work/step-N.txt.
step_cmd=()
step_dev=()
step_rc=()
step_secs=()
step_start=()

run_step() { # run_step DEVICE_LABEL CLAYERS_ARGS...
    local label="$1"
    shift
    local n=${#step_cmd[@]}
    local t0 t1 rc=0
    step_cmd+=("clayers $*")
    step_dev+=("$label")
    step_start+=("$(date '+%H:%M:%S')")
    printf 'gpu-check: [%d] clayers %s ... ' "$((n + 1))" "$*" >&2
    t0="$(now)"
    clayers_run "$@" >"$work/step-$n.txt" || rc=$?
    t1="$(now)"
    step_rc+=("$rc")
    step_secs+=("$(LC_ALL=C awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')")
    if [ "$rc" = 0 ]; then echo "PASS (${step_secs[$n]} s)" >&2; else echo "FAIL, exit $rc (${step_secs[$n]} s)" >&2; fi
    write_report
}

fence() { # fence FILE : the file in a fenced block whose fence cannot occur in it
    echo '`````text'
    cat "$1"
    [ -z "$(tail -c 1 "$1")" ] || echo
    echo '`````'
}

# Environment, gathered once.
{
    if command -v nvidia-smi >/dev/null 2>&1; then
        echo "### nvidia-smi -L"; echo
        nvidia-smi -L >"$work/smi.txt" 2>&1 || echo "(exit $?)" >>"$work/smi.txt"
        fence "$work/smi.txt"
    else
        echo "### nvidia-smi -L"; echo; echo "not installed"
    fi
    echo
    if command -v clinfo >/dev/null 2>&1; then
        echo "### clinfo -l"; echo
        clinfo -l >"$work/clinfo.txt" 2>&1 || echo "(exit $?)" >>"$work/clinfo.txt"
        fence "$work/clinfo.txt"
    else
        echo "### clinfo -l"; echo; echo "not installed"
    fi
    echo
    echo "### Java"; echo
    echo "java: \`$java_bin\` ($mode mode; \`$java_home\`)"
    echo
    { "$java_bin" -version 2>&1; "$java_bin" -XshowSettings:properties -version 2>&1 | grep -E '^ *java\.home = '; } >"$work/java.txt" || true
    fence "$work/java.txt"
    echo
    echo "Each step runs: \`${java_env[*]} ${java_cmd[*]} ARGS\`${timeout_cmd[*]:+ under \`${timeout_cmd[*]}\`}"
    echo
    echo "OpenCL loader: $opencl_note"
} >"$work/env.md"

if [ "$mode" = pack ]; then
    version_line="pack: $(tr '\n' ';' <"$here/VERSION" | sed 's/;$//; s/;/; /g')"
else
    if git -C "$root" rev-parse HEAD >/dev/null 2>&1; then
        version_line="git: $(git -C "$root" rev-parse HEAD) ($(git -C "$root" log -1 --format='%cd, %s' --date=short))"
        if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
            version_line="$version_line, with uncommitted changes"
        fi
    else
        version_line="source tree without git"
    fi
fi
version_line="$version_line; jar says: $(clayers_run --version | grep '^clayers ' | head -1 || true)"
started="$(date '+%Y-%m-%d %H:%M:%S %Z')"
verdict="running"
devices_section=""

write_report() {
    local i pass=0 fail=0 result
    for i in "${!step_rc[@]}"; do
        if [ "${step_rc[$i]}" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    {
        echo "# clayers GPU check: $host, $today"
        echo
        echo "Result: **$verdict** ($pass passed, $fail failed)"
        echo
        echo "| # | command | device | exit | seconds | result |"
        echo "|---|---|---|---|---|---|"
        for i in "${!step_rc[@]}"; do
            if [ "${step_rc[$i]}" = 0 ]; then result=PASS; else result="**FAIL**"; fi
            echo "| $((i + 1)) | \`${step_cmd[$i]}\` | ${step_dev[$i]} | ${step_rc[$i]} | ${step_secs[$i]} | $result |"
        done
        echo
        echo "* date: $started"
        echo "* host: $(uname -n 2>/dev/null || echo "$host") ($(uname -srm 2>/dev/null || echo unknown))"
        echo "* clayers: $version_line"
        echo "* java: \`$java_bin\`"
        echo "* script: \`$self${script_args[*]+ ${script_args[*]}}\`"
        echo
        echo "## Devices"
        echo
        echo "$devices_section"
        echo
        echo "## Environment"
        echo
        cat "$work/env.md"
        echo
        echo "## Steps"
        for i in "${!step_rc[@]}"; do
            echo
            echo "### $((i + 1)). \`${step_cmd[$i]}\`"
            echo
            echo "device ${step_dev[$i]}; started ${step_start[$i]}; exit code ${step_rc[$i]}; ${step_secs[$i]} s"
            echo
            fence "$work/step-$i.txt"
        done
    } >"$work/report.md"
    cp "$work/report.md" "$out"
}

script_args=()
[ ${#devices[@]} -eq 0 ] || for d in "${devices[@]}"; do script_args+=(--device "$d"); done
[ "$quick" = 0 ] || script_args+=(--quick)

# Discovery: `devices --json`, pretty or compact, read without jq: each object starts at "id".
rc=0
${timeout_cmd[@]+"${timeout_cmd[@]}"} env "${java_env[@]}" "${java_cmd[@]}" devices --json >"$work/devices.json" 2>"$work/devices.err" </dev/null || rc=$?
discovered="$(grep -o '"\(id\|name\|vendor\|type\)" *: *"[^"]*"' "$work/devices.json" 2>/dev/null |
    sed 's/^"\([a-z]*\)" *: *"\(.*\)"$/\1\t\2/' |
    awk -F'\t' '$1 == "id" { if (id != "") print id "\t" name "\t" vendor "\t" type; id = $2; name = vendor = type = "" }
                $1 == "name" { name = $2 } $1 == "vendor" { vendor = $2 } $1 == "type" { type = $2 }
                END { if (id != "") print id "\t" name "\t" vendor "\t" type }')" || true
chosen=()
{
    echo "\`clayers devices --json\` (exit $rc):"
    echo
    fence "$work/devices.json"
    echo
    echo "its stderr:"
    echo
    fence "$work/devices.err"
    echo
} >"$work/devices.md"
describe() { # describe ID : "name (vendor, type)" from discovery, or empty
    awk -F'\t' -v id="$1" '$1 == id { print $2 " (" $3 ", " $4 ")"; exit }' <<<"$discovered"
}
if [ ${#devices[@]} -gt 0 ]; then
    chosen=("${devices[@]}")
    echo "Chosen with --device:" >>"$work/devices.md"
else
    while IFS=$'\t' read -r id name vendor type; do
        [ -n "$id" ] || continue
        skip=""
        case "$type" in *GPU* | *ACCELERATOR*) ;; *) skip="type $type" ;; esac
        if [ -z "$skip" ] && printf '%s %s' "$name" "$vendor" | grep -qiE 'oclgrind|simulat|emulat'; then
            skip="a simulator"
        fi
        if [ -z "$skip" ]; then chosen+=("$id"); else echo "* skipped \`$id\` $name ($vendor): $skip" >>"$work/devices.md"; fi
    done <<<"$discovered"
    echo >>"$work/devices.md"
    echo "GPU/accelerator devices found:" >>"$work/devices.md"
fi
echo >>"$work/devices.md"
[ ${#chosen[@]} -eq 0 ] && echo "* none" >>"$work/devices.md"
for d in ${chosen[@]+"${chosen[@]}"}; do echo "* \`$d\` $(describe "$d")" >>"$work/devices.md"; done
devices_section="$(cat "$work/devices.md")"

run_step all devices
if [ ${#chosen[@]} -eq 0 ]; then
    verdict="NO GPU DEVICE"
    write_report
    if [ "$rc" != 0 ]; then why="clayers devices --json failed (exit $rc)"; else why="CPU devices and simulators are skipped; name one with --device ID to test it anyway"; fi
    echo "gpu-check: no GPU or accelerator OpenCL device found ($why); report: $out" >&2
    exit 2
fi
for d in "${chosen[@]}"; do
    run_step "$d" verify --device "$d"
    run_step "$d" gradcheck --device "$d"
    if [ "$quick" = 0 ]; then
        if [ "$d" = cpu ]; then run_step cpu bench --quick --device cpu; else run_step "cpu,$d" bench --quick --device "cpu,$d"; fi
    fi
    run_step "$d" train --device "$d" --epochs 2 --no-progress
done
# Every pair of devices trains one network together (data parallel): the replicas must agree, the
# accuracy must match one device's, and the bench says how the pair scales against each alone.
if [ ${#chosen[@]} -ge 2 ]; then
    for ((i = 0; i < ${#chosen[@]}; i++)); do
        for ((j = i + 1; j < ${#chosen[@]}; j++)); do
            pair="${chosen[$i]},${chosen[$j]}"
            run_step "$pair" train --device "$pair" --epochs 2 --no-progress
            [ "$quick" = 1 ] || run_step "$pair" bench --data-parallel --quick --device "$pair"
        done
    done
fi

failed=0
for r in "${step_rc[@]}"; do [ "$r" = 0 ] || failed=$((failed + 1)); done
if [ "$failed" = 0 ]; then verdict="PASS"; else verdict="FAIL"; fi
write_report
echo "gpu-check: $verdict, $failed of ${#step_rc[@]} steps failed; report: $out" >&2
[ "$failed" = 0 ] || exit 1
exit 0
