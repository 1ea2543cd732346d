#!/usr/bin/env bash
# Records how a real unit behaves under strace, inside the test bed (scripts/testbed.sh up), the way
# bindscout wraps it: a transient drop-in under /run/systemd/system/UNIT.d/ that resets every Exec*=
# list and re-emits each command behind `strace -D -f -y --seccomp-bpf`.
#
#   scripts/capture-trace.sh UNIT OUTDIR [PROBE-CMD [ARG...]]
#
# Two runs of start → probe → reload (if the unit has ExecReload=) → stop:
#   1. each Exec command traced with `-o /run/bindscout-trace/NN-KIND.log`; the files are concatenated,
#      in execution order, into OUTDIR/strace.log (plain -o form: `PID␠␠syscall…` lines). One file per
#      command because the ExecStart tracer is still writing when ExecReload's and ExecStop's start, and
#      strace fully buffers a regular -o file: several tracers appending to one file would cut lines.
#   2. the same without -o: strace writes to the unit's stderr, i.e. the journal, as bindscout reads it.
#      OUTDIR/journal.json (journalctl -o json -a) and OUTDIR/journal.txt (-o short-precise) hold every
#      entry of the unit from that run: systemd's own messages, strace's lines, the service's output.
# Also written: OUTDIR/unit.conf (systemctl cat before), OUTDIR/dropin-file.conf and
# OUTDIR/dropin-journal.conf (the drop-ins used), OUTDIR/README.md (commands, versions, results).
#
# The PROBE command runs inside the bed (so 127.0.0.1 is the bed's network; it is the host's too, since
# the bed has no private network) after the start, retried for a few seconds until it exits 0: a
# Type=simple service is "started" before it listens.
#
# Afterwards the drop-in is removed, systemd reloaded, and `systemctl cat UNIT` must be byte-identical
# to what it was before; a unit that was active before is started again.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTBED=$HERE/testbed.sh
TRACE_DIR=/run/bindscout-trace
DROPIN_NAME=zz-bindscout-trace.conf
STRACE=/usr/bin/strace
# %% because a unit file would expand %f; the journal run and the file run use the same set.
STRACE_ARGS='-D -f -y --seccomp-bpf -e trace=%%file,fchdir,clone,clone3,fork,vfork,connect,bind,sendto,sendmsg'
EXEC_KINDS=(ExecCondition ExecStartPre ExecStart ExecStartPost ExecReload ExecStop ExecStopPost)
PROBE_TRIES=${BINDSCOUT_PROBE_TRIES:-20}

die() { printf 'capture-trace: %s\n' "$*" >&2; exit 1; }
log() { printf 'capture-trace: %s\n' "$*" >&2; }
inbed() { "$TESTBED" exec -- "$@"; }

[[ $# -ge 2 ]] || die "usage: $0 UNIT OUTDIR [PROBE-CMD [ARG...]]"
UNIT_ARG=$1
OUTDIR=$2
OUTDIR_ARG=$2
shift 2
PROBE=("$@")

"$TESTBED" status >/dev/null || die "the test bed is not up (run: $TESTBED up)"

UNIT=$(inbed systemctl show -p Id --value -- "$UNIT_ARG")
[[ -n $UNIT ]] || die "no such unit: $UNIT_ARG"
[[ $UNIT == *.service ]] || die "$UNIT is not a service"
[[ $(inbed systemctl show -p LoadState --value -- "$UNIT") == loaded ]] || die "$UNIT is not loaded"
DROPIN_DIR=/run/systemd/system/$UNIT.d
DROPIN=$DROPIN_DIR/$DROPIN_NAME

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORKDIR=$(mktemp -d)
trap 'rm -rf "$WORKDIR"' EXIT

remove_dropin() {
    inbed rm -f -- "$DROPIN"
    inbed rmdir --ignore-fail-on-non-empty -- "$DROPIN_DIR" 2>/dev/null || true
    inbed systemctl daemon-reload
}

# A previous capture that was killed may have left its drop-in: the unit as read below must be clean.
if inbed test -e "$DROPIN"; then
    log "removing a stale $DROPIN"
    remove_dropin
fi

inbed systemctl cat -- "$UNIT" >"$OUTDIR/unit.conf"
UNIT_BEFORE=$WORKDIR/unit.before
cp "$OUTDIR/unit.conf" "$UNIT_BEFORE"
WAS_ACTIVE=$(inbed systemctl is-active -- "$UNIT" || true)

restored=0
restore() {
    [[ $restored -eq 0 ]] || return 0
    restored=1
    local rc=0
    inbed systemctl stop -- "$UNIT" >/dev/null 2>&1 || true
    remove_dropin || rc=1
    inbed rm -rf -- "$TRACE_DIR" || true
    if ! inbed systemctl cat -- "$UNIT" | cmp -s - "$UNIT_BEFORE"; then
        log "ERROR: 'systemctl cat $UNIT' differs from before the capture:"
        inbed systemctl cat -- "$UNIT" | diff -u "$UNIT_BEFORE" - >&2 || true
        rc=1
    fi
    inbed systemctl reset-failed -- "$UNIT" 2>/dev/null || true
    if [[ $WAS_ACTIVE == active ]]; then
        inbed systemctl start -- "$UNIT" || { log "ERROR: could not start $UNIT again"; rc=1; }
    fi
    return "$rc"
}
trap 'rc=$?; restore || rc=1; rm -rf "$WORKDIR"; exit "$rc"' EXIT
trap 'exit 130' INT TERM

# Effective Exec*= lists from the unit file and its drop-ins, in order, honouring empty resets and
# backslash continuations. `systemctl show -p ExecStart` is no use here: it joins argv with spaces and
# loses the original quoting (nginx's -g 'daemon on; master_process on;').
exec_lines() {
    awk -v kinds="${EXEC_KINDS[*]}" '
        BEGIN { nk = split(kinds, K, " "); for (i = 1; i <= nk; i++) want[K[i]] = 1 }
        {
            sub(/\r$/, "")
            if (pending != "") {
                if ($0 ~ /^[ \t]*[#;]/) next
                line = pending $0; pending = ""
            } else {
                # systemctl cat: "# /path/of/next/file", first or after a blank line.
                if ($0 ~ /^# \// && (NR == 1 || prev == "")) { sect = ""; prev = $0; next }
                prev = $0
                line = $0
            }
            if (line ~ /\\$/) { pending = substr(line, 1, length(line) - 1) " "; next }
            t = line; sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t)
            if (t == "" || t ~ /^[#;]/) next
            if (t ~ /^\[.*\]$/) { sect = t; next }
            if (sect != "[Service]") next
            eq = index(t, "="); if (!eq) next
            k = substr(t, 1, eq - 1); v = substr(t, eq + 1)
            sub(/[ \t]+$/, "", k); sub(/^[ \t]+/, "", v)
            if (!(k in want)) next
            if (v == "") { n[k] = 0; next }
            n[k]++; val[k, n[k]] = v
        }
        END { for (i = 1; i <= nk; i++) for (j = 1; j <= n[K[i]]; j++) print K[i] "\t" val[K[i], j] }
    ' "$UNIT_BEFORE"
}

# PREFIX/usr/bin/strace ARGS -- CMD...: the prefixes stay in front so that systemd keeps treating the
# command as before (- ignore failure, + full privileges, ! / !! no credential change, : no $ expansion).
# @ is dropped together with the argv[0] word that follows the path: strace cannot set argv[0].
wrap() {
    local cmd=$1 out=$2 prefix='' first rest
    while [[ $cmd =~ ^[-@:+!] ]]; do
        prefix+=${cmd:0:1}
        cmd=${cmd:1}
    done
    if [[ $prefix == *@* ]]; then
        prefix=${prefix//@/}
        first=${cmd%%[[:space:]]*}
        rest=${cmd#"$first"}
        rest=${rest#"${rest%%[![:space:]]*}"}
        case $rest in
            \'*) rest=${rest#\'}; rest=${rest#*\'} ;;
            \"*) rest=${rest#\"}; rest=${rest#*\"} ;;
            *) rest=${rest#"${rest%%[[:space:]]*}"} ;;
        esac
        cmd="$first$rest"
    fi
    if [[ -n $out ]]; then
        printf '%s%s %s -o %s -- %s\n' "$prefix" "$STRACE" "$STRACE_ARGS" "$out" "$cmd"
    else
        printf '%s%s %s -- %s\n' "$prefix" "$STRACE" "$STRACE_ARGS" "$cmd"
    fi
}

mapfile -t LINES < <(exec_lines)
[[ ${#LINES[@]} -gt 0 ]] || die "$UNIT has no Exec*= lines"
HAS_RELOAD=0
for l in "${LINES[@]}"; do [[ ${l%%$'\t'*} == ExecReload ]] && HAS_RELOAD=1; done

prop() { inbed systemctl show -p "$1" --value -- "$UNIT"; }
RELAX=()
# An unfiltered unit shows `~` (an empty deny list).
[[ -n $(prop SystemCallFilter | tr -d '~') ]] &&
    RELAX+=("# ptrace() and strace's own syscalls are not in the unit's filter (status=31/SYS)." "SystemCallFilter=")
[[ -n $(prop NoExecPaths) ]] &&
    RELAX+=("# NoExecPaths= would refuse to execute strace (203/EXEC)." "ExecPaths=$STRACE")
# A root tracer without CAP_SYS_PTRACE loses the tracee the moment the daemon drops privileges itself
# (memcached -u memcache): the process turns non-dumpable, strace can no longer read its memory nor
# /proc/PID/fd, and every later path prints as a bare address (0x7ffd…) with no -y decoration.
# Positive CapabilityBoundingSet= assignments are merged, so this only adds the one capability.
if [[ $(prop User) =~ ^(|root|0)$ ]] && ! prop CapabilityBoundingSet | grep -qw cap_sys_ptrace; then
    RELAX+=("# The daemon drops privileges itself; without this strace cannot read its arguments after that." "CapabilityBoundingSet=CAP_SYS_PTRACE")
fi
NEEDS_RW=0
[[ $(prop ProtectSystem) == strict || $(prop DynamicUser) == yes ]] && NEEDS_RW=1

# $1: "file" or "journal"
make_dropin() {
    local mode=$1 i=0 kind cmd out l
    local -A seen=()
    printf '# Written by scripts/capture-trace.sh; removed when the capture ends.\n[Service]\n'
    printf 'LogRateLimitIntervalSec=0\n'
    for l in "${RELAX[@]}"; do printf '%s\n' "$l"; done
    if [[ $mode == file && $NEEDS_RW -eq 1 ]]; then
        printf '%s\n' "# ProtectSystem=strict makes $TRACE_DIR read-only." "ReadWritePaths=-$TRACE_DIR"
    fi
    for l in "${LINES[@]}"; do
        kind=${l%%$'\t'*}
        cmd=${l#*$'\t'}
        if [[ -z ${seen[$kind]:-} ]]; then
            printf '%s=\n' "$kind"
            seen[$kind]=1
        fi
        i=$((i + 1))
        out=''
        [[ $mode == file ]] && out=$(printf '%s/%02d-%s.log' "$TRACE_DIR" "$i" "$kind")
        printf '%s=%s\n' "$kind" "$(wrap "$cmd" "$out")"
    done
}

make_dropin file >"$OUTDIR/dropin-file.conf"
make_dropin journal >"$OUTDIR/dropin-journal.conf"

RUNLOG=$WORKDIR/runlog
: >"$RUNLOG"
note() { printf '%s\n' "$*" >>"$RUNLOG"; log "$*"; }

run_probe() {
    local try=1 rc
    [[ ${#PROBE[@]} -gt 0 ]] || return 0
    while :; do
        rc=0
        timeout 10 "$TESTBED" exec -- "${PROBE[@]}" >"$WORKDIR/probe.out" 2>&1 || rc=$?
        [[ $rc -eq 0 || $try -ge $PROBE_TRIES ]] && break
        try=$((try + 1))
        sleep 0.5
    done
    note "  probe exit=$rc after $try attempt(s)"
    return 0
}

# $1: mode
capture_run() {
    local mode=$1 cursor rc state
    note "run '$mode':"
    inbed systemctl stop -- "$UNIT" >/dev/null 2>&1 || true
    inbed systemctl reset-failed -- "$UNIT" 2>/dev/null || true
    inbed rm -rf -- "$TRACE_DIR"
    inbed install -d -m 1777 -- "$TRACE_DIR"
    inbed install -d -m 0755 -- "$DROPIN_DIR"
    inbed sh -c 'cat >"$1"' sh "$DROPIN" <"$OUTDIR/dropin-$mode.conf"
    inbed systemctl daemon-reload
    cursor=$(inbed journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
    [[ -n $cursor ]] || die "no journal cursor"
    rc=0
    timeout 120 "$TESTBED" exec -- systemctl start -- "$UNIT" || rc=$?
    state=$(inbed systemctl show -p ActiveState,SubState,Result,MainPID,ExecMainStatus -- "$UNIT" | paste -sd' ')
    note "  start exit=$rc; $state"
    [[ $rc -eq 0 ]] || { log "start failed; journal:"; inbed journalctl -u "$UNIT" --cursor="$cursor" --no-pager | tail -n 40 >&2 || true; }
    run_probe
    if [[ $HAS_RELOAD -eq 1 && $rc -eq 0 ]]; then
        rc=0
        timeout 60 "$TESTBED" exec -- systemctl reload -- "$UNIT" || rc=$?
        note "  reload exit=$rc"
        # The reload command returns before the daemon has re-read everything (nginx starts new workers,
        # postgres signals the postmaster); give it a moment so the trace shows the effect.
        sleep 1
    fi
    rc=0
    timeout 120 "$TESTBED" exec -- systemctl stop -- "$UNIT" || rc=$?
    note "  stop exit=$rc; $(inbed systemctl show -p ActiveState,Result -- "$UNIT" | paste -sd' ')"
    # Tracers may outlive the stop by a moment (they are SIGTERMed with the cgroup and then flush).
    sleep 0.5
    inbed journalctl --sync || true
    if [[ $mode == file ]]; then
        : >"$OUTDIR/strace.log"
        local f n start=1
        for f in $(inbed sh -c 'cd "$1" && ls' sh "$TRACE_DIR"); do
            [[ $f =~ ^[0-9]+-[A-Za-z]+\.log$ ]] || continue
            inbed cat -- "$TRACE_DIR/$f" >"$WORKDIR/piece"
            n=$(wc -l <"$WORKDIR/piece")
            cat "$WORKDIR/piece" >>"$OUTDIR/strace.log"
            note "  strace.log lines $start-$((start + n - 1)): ${f%.log} ($n lines)"
            start=$((start + n))
        done
        [[ -s $OUTDIR/strace.log ]] || die "strace wrote nothing (see: journalctl -u $UNIT)"
        # A path printed as a bare address means strace could not read the tracee's memory.
        local lost
        lost=$(grep -cE '^[0-9]+ +[a-z0-9_]+\(((AT_FDCWD|-?[0-9]+), )?0x[0-9a-f]+, ' "$OUTDIR/strace.log" || true)
        [[ $lost -eq 0 ]] || note "  WARNING: $lost calls whose path strace could not read (bare addresses)"
        cp "$WORKDIR/probe.out" "$WORKDIR/probe-file.out" 2>/dev/null || true
    else
        # systemd < 255 with a match (-u) and --after-cursor skips the first MATCHING entry even when the
        # cursor's own entry does not match (systemd#30288, fixed by #30336): here that lost systemd's
        # "Starting …" line. --cursor= is inclusive; it is exact when the cursor's entry is not the
        # unit's, and when it is, --after-cursor is exact.
        inbed journalctl -u "$UNIT" -o json -a --no-pager --cursor="$cursor" >"$OUTDIR/journal.json"
        local from=(--cursor="$cursor")
        if head -n 1 "$OUTDIR/journal.json" | grep -qF "\"__CURSOR\":\"$cursor\""; then
            sed -i 1d "$OUTDIR/journal.json"
            from=(--after-cursor="$cursor")
        fi
        inbed journalctl -u "$UNIT" -o short-precise -a --no-pager "${from[@]}" >"$OUTDIR/journal.txt"
        note "  journal: $(wc -l <"$OUTDIR/journal.json") entries"
        cp "$WORKDIR/probe.out" "$WORKDIR/probe-journal.out" 2>/dev/null || true
    fi
    inbed rm -f -- "$DROPIN"
}

STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
capture_run file
capture_run journal
restore

pkg_of() { dpkg-query -S "$1" 2>/dev/null | head -n1 | cut -d: -f1; }
FRAGMENT=$(awk 'NR == 1 && /^# \// { print $2 }' "$UNIT_BEFORE")
PKG=$(pkg_of "$FRAGMENT" || true)
[[ -z $PKG && $FRAGMENT == /lib/* ]] && PKG=$(pkg_of "/usr$FRAGMENT" || true)

# Shell words as a person would type them: bare when safe, else in single quotes.
quote_argv() {
    local a out='' q="'\\''"
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then out+="$a "; else out+="'${a//\'/$q}' "; fi
    done
    printf '%s' "${out% }"
}

{
    printf '# strace capture of `%s`\n\n' "$UNIT"
    printf 'Captured %s by `scripts/capture-trace.sh %s`.\n' "$STARTED" "$(quote_argv "$UNIT_ARG" "$OUTDIR_ARG" "${PROBE[@]}")"
    printf 'Inside the nspawn test bed (`scripts/testbed.sh`): systemd as PID 1 in a container whose root is an\n'
    printf 'overlay of the host root, so every path below is the container'\''s view and the host'\''s alike.\n\n'
    printf '## Versions\n\n'
    printf -- '- %s\n' "$(strace -V | head -n1)"
    printf -- '- %s\n' "$(inbed systemctl --version | head -n1)"
    printf -- '- kernel %s, %s\n' "$(uname -r)" "$(. /etc/os-release && printf '%s' "$PRETTY_NAME")"
    if [[ -n $PKG ]]; then
        printf -- '- unit from package `%s` %s (`%s`)\n' "$PKG" "$(dpkg-query -W -f='${Version}' "$PKG")" "$FRAGMENT"
    fi
    printf '\n## Files\n\n'
    printf -- '- `unit.conf`: `systemctl cat %s` before the capture (and, verified, after it).\n' "$UNIT"
    printf -- '- `dropin-file.conf`, `dropin-journal.conf`: the drop-ins, installed in turn as `%s`.\n' "$DROPIN"
    printf -- '- `strace.log`: run 1, the `-o` files of every traced command concatenated in execution order.\n'
    printf -- '- `journal.json`, `journal.txt`: run 2, `journalctl -u %s -o json -a --cursor=CURSOR` and\n' "$UNIT"
    printf '  `-o short-precise -a` of the same entries (CURSOR taken just before the start, and not an\n'
    printf '  entry of the unit; `--after-cursor` with `-u` drops the first entry in systemd 252, systemd#30288).\n\n'
    printf '## Steps of each run\n\n'
    printf '1. install the drop-in, `systemctl daemon-reload`, `journalctl -q -n 0 --show-cursor`\n'
    printf '2. `systemctl start %s`\n' "$UNIT"
    if [[ ${#PROBE[@]} -gt 0 ]]; then
        printf '3. probe, retried every 0.5 s until it exits 0 (at most %s tries): `%s`\n' "$PROBE_TRIES" "$(quote_argv "${PROBE[@]}")"
    else
        printf '3. no probe\n'
    fi
    if [[ $HAS_RELOAD -eq 1 ]]; then printf '4. `systemctl reload %s`, then 1 s\n' "$UNIT"; else printf '4. no reload (the unit has no ExecReload=)\n'; fi
    printf '5. `systemctl stop %s`, 0.5 s, `journalctl --sync`, collect\n\n' "$UNIT"
    printf '## What happened\n\n```\n'
    cat "$RUNLOG"
    printf '```\n\nSizes: '
    (cd "$OUTDIR" && for f in strace.log journal.json journal.txt; do printf '`%s` %s bytes, %s lines; ' "$f" "$(wc -c <"$f")" "$(wc -l <"$f")"; done)
    printf '\n'
    if [[ -s $WORKDIR/probe-journal.out ]]; then
        printf '\nProbe output (run 2, first 15 lines):\n\n```\n'
        head -n 15 "$WORKDIR/probe-journal.out" | tr -d '\r'
        printf '```\n'
    fi
} >"$OUTDIR/README.md"

log "done: $OUTDIR"
