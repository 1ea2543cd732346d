#!/usr/bin/env bash
# A real systemd (PID 1 in a systemd-nspawn container) to trace and sandbox services against.
#
# The host does not run systemd and has no system D-Bus, so the bed boots the host's own root through
# an overlay: packages installed on the host are real units inside, with a real journald, and nothing
# the services write reaches the host's disk.
#
#   scripts/testbed.sh install-deps [PKG...]
#                                      apt-get what is missing of DEPS
#                                      and of the PKGs named (run BEFORE `up`: the overlay's lower layer
#                                      is the live root, and changing it under a mounted overlay is
#                                      undefined behaviour for overlayfs)
#   scripts/testbed.sh up              boot (idempotent; cleans up what a killed run left behind)
#   scripts/testbed.sh status          exit 0 if the bed is up, print its state
#   scripts/testbed.sh exec -- CMD...  run CMD inside all of the container's namespaces
#   scripts/testbed.sh pid1            the container's PID 1, as a host PID
#   scripts/testbed.sh root            the overlay's merged directory (the container's /)
#   scripts/testbed.sh hostpid PID     translate a PID of the container (e.g. a unit's MainPID) to
#                                      the host's PID, for /proc/<pid>/root/ inspection from outside
#   scripts/testbed.sh down            shut down, unmount, remove the scratch dir (safe when nothing is up)
#
# Environment: BINDSCOUT_TESTBED_DIR (scratch dir, default /var/tmp/bindscout-testbed; /tmp may be a
# small tmpfs on some machines; the upper layer holds whatever the services write, ~10 MB per boot),
# BINDSCOUT_TESTBED_MACHINE (machine name, default bindscout-bed), BINDSCOUT_TESTBED_BOOT_TIMEOUT (s).
#
# Verified on Debian 12 / systemd 252.39 (nspawn) inside a VM whose PID 1 is not systemd, kernel 6.18,
# cgroup v1 hybrid hierarchy on the host:
#   - boot to `running` takes 3.5-4.5 s after nspawn starts; `down` takes about 5 s (clean shutdown).
#     No packaged service starts at boot (see confine_boot): tests start what they use.
#   - `exec -- systemctl ...`, `exec -- journalctl ...` and `exec -- curl http://127.0.0.1/` all work:
#     nsenter -a joins every namespace of the container's PID 1, so systemctl finds the container's
#     /run/systemd/private and journalctl the container's journal. The network namespace is the host's
#     own (no --private-network): services bind the host's ports, and a host process on 80, 5432, 6379
#     or 11211 makes the matching unit fail inside. stdin, argv and the exit code pass through.
#   - /proc/<MainPID>/root/ of a service inside is readable from the host (as root): it shows the
#     service's own mount namespace, so a sandboxed service's missing files are missing there too.
#     But MainPID as systemctl prints it is a PID of the container's PID namespace; on the host the
#     same number names an unrelated host process. Translate it first (`hostpid`), or look from inside
#     (`exec -- ls /proc/MAINPID/root/`), which works as well.
#   - A SIGKILLed nspawn leaves the container's systemd running as an orphan with all its services;
#     `up`/`down` power such an orphan off (see orphan_inits). Two beds at once share the host's cgroup
#     v1 directories (--keep-unit) and break each other ("Failed to kill control group … Input/output
#     error", ports in use): one bed per machine.
#   - A unit that fails at boot only makes the state `degraded`, which counts as up.
set -euo pipefail

SCRATCH=${BINDSCOUT_TESTBED_DIR:-/var/tmp/bindscout-testbed}
MACHINE=${BINDSCOUT_TESTBED_MACHINE:-bindscout-bed}
BOOT_TIMEOUT=${BINDSCOUT_TESTBED_BOOT_TIMEOUT:-90}
STOP_TIMEOUT=${BINDSCOUT_TESTBED_STOP_TIMEOUT:-30}
ORPHAN_TIMEOUT=15
UPPER=$SCRATCH/upper
WORK=$SCRATCH/work
MERGED=$SCRATCH/root
CONSOLE_LOG=$SCRATCH/console.log
PIDFILE=$SCRATCH/nspawn.pid
NSPAWN_RUN=/run/systemd/nspawn

DEPS=(systemd-container strace tmux nginx-light postgresql redis-server memcached curl dbus-bin cron unbound dns-root-data openssh-server)
# The daemons of src/e2e/zoo.e2e.test.ts: three of the zoo (scripts/zoo-daemons.json) held to its checks.
DEPS+=(bind9 bind9-dnsutils postfix nsd)
# postfix configures nothing when not told what kind of mail system it is, and does not start then.
ZOO_DEBCONF=('postfix postfix/main_mailer_type select Local only' 'postfix postfix/mailname string zoo.localdomain')

die() { printf 'testbed: %s\n' "$*" >&2; exit 1; }
log() { printf 'testbed: %s\n' "$*" >&2; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

# The nspawn process we started, if it is still the same process (pid reuse after a reboot or a long
# time is possible, so check its command line too).
nspawn_pid() {
    local pid
    [[ -r $PIDFILE ]] || return 1
    pid=$(<"$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    has_machine_arg "$pid" || return 1
    printf '%s\n' "$pid"
}

# Read whole before matching: under pipefail, `tr … | grep -q` fails when grep's early exit makes tr's
# write meet a closed pipe, and a live nspawn would then look gone.
has_machine_arg() {
    local args
    args=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    grep -qx -- "--machine=$MACHINE" <<<"$args"
}

# A child of this shell that has exited stays a zombie until the shell reaps it.
still_running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# Also find nspawn processes whose pid file is gone (scratch dir removed by hand while it ran).
stray_nspawn_pids() {
    local d pid
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [[ -r $d/cmdline ]] || continue
        if has_machine_arg "$pid" && [[ $(cat "$d/comm" 2>/dev/null) == systemd-nspawn ]]; then
            printf '%s\n' "$pid"
        fi
    done
}

# nspawn forks the container's init; with --boot that child execs systemd. It is the only child.
container_pid1() {
    local npid child
    npid=$(nspawn_pid) || return 1
    for child in $(cat "/proc/$npid/task/"*/children 2>/dev/null); do
        printf '%s\n' "$child"
        return 0
    done
    return 1
}

# Mount points under the scratch dir or the nspawn propagation tmpfs, deepest first. /proc/mounts
# escapes spaces as \040; our paths contain none, so plain field splitting is enough.
our_mounts() {
    awk -v s="$SCRATCH" -v n="$NSPAWN_RUN" \
        '$2 == s || index($2, s "/") == 1 || $2 == n || index($2, n "/") == 1 { print $2 }' /proc/mounts |
        awk '{ print length($0) "\t" NR "\t" $0 }' | sort -k1,1nr -k2,2nr | cut -f3-
}

unmount_all() {
    local m tries=0
    while [[ -n $(our_mounts) ]]; do
        while IFS= read -r m; do
            [[ -n $m ]] || continue
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
        done < <(our_mounts)
        tries=$((tries + 1))
        [[ $tries -lt 5 ]] || { log "mounts remain:"; our_mounts >&2; return 1; }
    done
}

stop_nspawn() {
    local pid pids
    pids=$( { nspawn_pid || true; stray_nspawn_pids; } | sort -u)
    [[ -n $pids ]] || return 0
    for pid in $pids; do
        log "stopping systemd-nspawn (pid $pid)"
        # nspawn turns SIGTERM into a clean shutdown request to the container's systemd.
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait_or_kill "$STOP_TIMEOUT" $pids
}

# Waits up to TIMEOUT seconds in all for the PIDs to exit; SIGKILLs whatever is left then. (SIGKILL
# to a PID namespace's init kills every process in that namespace.)
wait_or_kill() {
    local timeout=$1 pid waited=0
    shift
    for pid in "$@"; do
        while kill -0 "$pid" 2>/dev/null; do
            if ((waited >= timeout * 10)); then
                log "$pid still alive after ${timeout}s, sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
                break
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    done
}

# A SIGKILLed nspawn does not take its container with it: the container's systemd lives on as an
# orphan (reparented to the host's init), keeps its services and their ports, and a new bed then fails
# with "Address already in use". It is recognisable as a PID-namespace init (NSpid ends in 1) whose
# mount table holds our overlay.
orphan_inits() {
    local d
    for d in /proc/[0-9]*; do
        awk '$1 == "NSpid:" { exit !(NF > 2 && $NF == 1) }' "$d/status" 2>/dev/null || continue
        grep -qF "upperdir=$UPPER," "$d/mountinfo" 2>/dev/null || continue
        printf '%s\n' "${d#/proc/}"
    done
}

stop_orphans() {
    local pid pids
    pids=$(orphan_inits)
    [[ -n $pids ]] || return 0
    for pid in $pids; do
        log "container init $pid outlived its nspawn; powering it off"
        # SIGRTMIN+4 is systemd's "poweroff" request: services get a clean stop.
        kill -s RTMIN+4 "$pid" 2>/dev/null || true
    done
    wait_or_kill "$ORPHAN_TIMEOUT" $pids
}

cleanup_all() {
    stop_nspawn
    stop_orphans
    unmount_all
    # A killed nspawn leaves its machine dir behind; with --register=no nothing else records the name.
    rm -rf "/run/systemd/machines/$MACHINE" "/var/lib/machines/$MACHINE" 2>/dev/null || true
    if [[ -d $SCRATCH ]]; then
        # Refuse to rm -rf through a live mount: if unmounting failed above, keep the files.
        [[ -z $(our_mounts) ]] || die "mounts under $SCRATCH remain; not removing it"
        rm -rf --one-file-system "$SCRATCH"
    fi
}

# NSpid lists the PID in every namespace from the host's outwards-in; the last entry is the innermost.
host_pid_of() {
    local want=$1 d ns p1
    p1=$(container_pid1) || die "test bed is not up"
    [[ $want =~ ^[0-9]+$ ]] || die "not a pid: $want"
    ns=$(readlink "/proc/$p1/ns/pid")
    for d in /proc/[0-9]*; do
        [[ $(readlink "$d/ns/pid" 2>/dev/null) == "$ns" ]] || continue
        if awk -v w="$want" '$1 == "NSpid:" { exit !($NF == w) }' "$d/status" 2>/dev/null; then
            printf '%s\n' "${d#/proc/}"
            return 0
        fi
    done
    die "no process $want in the container"
}

in_container() {
    local p1
    p1=$(container_pid1) || die "test bed is not up (run: $0 up)"
    exec nsenter -t "$p1" -a -- "$@"
}

system_state() {
    local p1
    p1=$(container_pid1) || return 1
    timeout 10 nsenter -t "$p1" -a -- systemctl is-system-running 2>/dev/null || true
}

cmd_install_deps() {
    need_root
    local missing=() p
    for p in "${DEPS[@]}" "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "all packages present"
        return 0
    fi
    if [[ -n $(our_mounts) ]]; then
        die "the bed is mounted; run '$0 down' before installing packages (overlay lower layer is /)"
    fi
    log "installing: ${missing[*]}"
    printf '%s\n' "${ZOO_DEBCONF[@]}" | debconf-set-selections
    # The host has no systemd to start services with; a policy-rc.d that returns 101 keeps the maintainer
    # scripts from trying to start them through sysvinit scripts (and from occupying the ports that the
    # container, which shares the host's network namespace, needs). Keep an existing one untouched.
    local own_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    if [[ $own_policy -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
    return "$rc"
}

# The bed starts only what a test starts. It boots the host's root, so every service enabled on the
# host would start at boot too: a CI machine with a second DNS or web server installed then has port
# 53 or 80 taken before the tests start unbound or nginx, and the results depend on what else the
# machine runs. Two changes, both in the overlay's upper layer (the host is untouched):
#   - the default target is $BED_TARGET, which wants basic.target only. multi-user.target is never
#     reached, so neither its enabled services nor the units systemd-sysv-generator makes from
#     /etc/init.d scripts (wanted by multi-user.target) start. systemd's own units (journald, the
#     setup in sysinit.target, the sockets in /lib/systemd/system/sockets.target.wants) still do.
#   - the links that `systemctl enable` (and so every package's postinst) made from a target in
#     /etc/systemd/system are removed: a package's socket or timer enabled for sockets.target or
#     timers.target (which basic.target pulls in) would otherwise still start, or hold its port.
# Links between services (unbound.service.wants/unbound-resolvconf.service) stay: they are part of how
# a unit starts, not of what boots.
BED_TARGET=bindscout-bed.target

confine_boot() {
    local etc=$MERGED/etc/systemd/system
    mkdir -p "$etc"
    printf '%s\n' '[Unit]' \
        "Description=bindscout test bed: systemd's own units only; each test starts the services it uses" \
        'Requires=basic.target' 'After=basic.target' 'AllowIsolate=yes' >"$etc/$BED_TARGET"
    ln -sfn "$BED_TARGET" "$etc/default.target"
    find "$etc" -mindepth 2 -maxdepth 2 -type l \( -path "$etc/*.target.wants/*" -o -path "$etc/*.target.requires/*" \) -delete
}

cmd_up() {
    need_root
    command -v systemd-nspawn >/dev/null || die "systemd-nspawn missing (run: $0 install-deps)"
    if [[ $(system_state) =~ ^(running|degraded)$ ]]; then
        log "already up (pid1 $(container_pid1))"
        return 0
    fi
    # Anything here now is the leftover of a run that was killed or failed half-way.
    cleanup_all

    mkdir -p "$UPPER" "$WORK" "$MERGED"
    mount -t overlay bindscout-testbed -o "lowerdir=/,upperdir=$UPPER,workdir=$WORK" "$MERGED"

    # journald refuses to link a journal whose machine id equals the host's, and a container sharing
    # the host's id would mix their journals; a fresh id makes the container its own machine.
    local mid
    if command -v dbus-uuidgen >/dev/null; then
        mid=$(dbus-uuidgen)
    else
        mid=$(tr -d '-' </proc/sys/kernel/random/uuid)
    fi
    printf '%s\n' "$mid" >"$MERGED/etc/machine-id"

    confine_boot

    # The host's /run is not a tmpfs, and nspawn refuses to clean its propagation dir on anything else.
    mkdir -p "$NSPAWN_RUN"
    mount -t tmpfs -o mode=0755 bindscout-testbed-nspawn "$NSPAWN_RUN"


    log "booting (console: $CONSOLE_LOG)"
    local t0 t1
    t0=$(date +%s.%N)
    # setsid: the bed must outlive this shell and its terminal. read-only: the container still gets a
    # /dev/console (systemd needs one; `pipe` gives none) and its output lands in the log file.
    setsid systemd-nspawn --keep-unit --register=no --link-journal=no -q --boot \
        --console=read-only --machine="$MACHINE" --directory="$MERGED" \
        </dev/null >"$CONSOLE_LOG" 2>&1 &
    local launched=$!
    printf '%s\n' "$launched" >"$PIDFILE"

    local state='' deadline
    deadline=$(($(date +%s) + BOOT_TIMEOUT))
    while :; do
        # Not nspawn_pid: until the background job has exec'd setsid and then systemd-nspawn, its command
        # line is this shell's, and on a cold or busy machine the first look comes before that.
        if ! still_running "$launched"; then
            log "systemd-nspawn exited during boot; console output:"
            tail -n 60 "$CONSOLE_LOG" >&2 || true
            cleanup_all
            exit 1
        fi
        state=$(system_state || true)
        [[ $state =~ ^(running|degraded)$ ]] && break
        if (($(date +%s) >= deadline)); then
            log "not running after ${BOOT_TIMEOUT}s (state: ${state:-unknown}); console output:"
            tail -n 60 "$CONSOLE_LOG" >&2 || true
            if p1=$(container_pid1); then
                log "last journal lines:"
                timeout 10 nsenter -t "$p1" -a -- journalctl -b -n 60 --no-pager >&2 || true
                log "failed units:"
                timeout 10 nsenter -t "$p1" -a -- systemctl --failed --no-pager >&2 || true
            fi
            log "the bed is left up for inspection; run '$0 down' to remove it"
            exit 1
        fi
        sleep 0.2
    done
    t1=$(date +%s.%N)
    printf '%s\n' "$t0" >"$SCRATCH/boot-started"
    log "up: state=$state pid1=$(container_pid1) boot=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s root=$MERGED"
    if [[ $state == degraded ]]; then
        timeout 10 nsenter -t "$(container_pid1)" -a -- systemctl --failed --no-pager --plain --no-legend >&2 || true
    fi
}

cmd_down() {
    need_root
    cleanup_all
    log "down"
}

cmd_status() {
    local p1 state
    if ! p1=$(container_pid1); then
        echo "down"
        if [[ -n $(our_mounts) ]]; then
            echo "stale mounts (run: $0 down):"
            our_mounts
        fi
        return 1
    fi
    state=$(system_state)
    printf 'state=%s nspawn=%s pid1=%s root=%s console=%s\n' \
        "${state:-unknown}" "$(nspawn_pid)" "$p1" "$MERGED" "$CONSOLE_LOG"
    [[ $state =~ ^(running|degraded)$ ]]
}

main() {
    local sub=${1:-}
    [[ $# -gt 0 ]] && shift
    case $sub in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        install-deps) cmd_install_deps "$@" ;;
        pid1) container_pid1 || die "test bed is not up" ;;
        hostpid) host_pid_of "${1:-}" ;;
        root)
            container_pid1 >/dev/null || die "test bed is not up"
            printf '%s\n' "$MERGED"
            ;;
        exec)
            [[ ${1:-} == -- ]] && shift
            [[ $# -gt 0 ]] || die "usage: $0 exec -- CMD [ARG...]"
            need_root
            in_container "$@"
            ;;
        *)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
            exit 2
            ;;
    esac
}

main "$@"
