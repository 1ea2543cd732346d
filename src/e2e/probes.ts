/** Probes that prove a bed service works, shared by the suites that run discover on it. */

/** cron has no port: its main process is cron itself (not systemd's forked child) and sees its crontab. */
export const CRON_PROBE = 'pid=$(systemctl show -p MainPID --value cron.service); test "$(cat /proc/$pid/comm)" = cron && test -s /proc/$pid/root/etc/crontab';
/** unbound answers on its control socket, at the path the host's unbound-control looks (/run/unbound.ctl). */
export const UNBOUND_PROBE = 'unbound-control status | grep -q "is running"';
