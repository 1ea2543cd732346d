import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildTracingDropIn, wrapExecCommand } from './tracing-dropin.js';
import { unitInfoFromText } from './unitfile.js';

const cat = (name: string) => readFileSync(new URL(`../../fixtures/traces/${name}/unit.conf`, import.meta.url), 'utf8');
const S = '/usr/bin/strace -D -f -y -q --seccomp-bpf -e trace=%%file,fchdir,connect,bind,sendto,sendmsg,clone,clone3,fork,vfork --';

describe('buildTracingDropIn', () => {
  test('nginx: every Exec list reset and wrapped, prefixes and quoting kept, nothing relaxed', () => {
    const unit = unitInfoFromText('Id=nginx.service\nCapabilityBoundingSet=cap_chown cap_sys_ptrace\nSystemCallFilter=~\n', cat('nginx'));
    const { text, notes } = buildTracingDropIn(unit);
    expect(text).toContain(`ExecStartPre=\nExecStartPre=${S} /usr/sbin/nginx -t -q -g 'daemon on; master_process on;'\n`);
    expect(text).toContain(`ExecStop=\nExecStop=-${S} /sbin/start-stop-daemon --quiet`);
    expect(text).toContain('LogRateLimitIntervalSec=1s\nLogRateLimitBurst=100000000\n');
    expect(text).not.toMatch(/^(SystemCallFilter|ExecPaths|CapabilityBoundingSet)=/m);
    expect(notes).toEqual([]);
  });

  test('redis: filter reset and strace allowed to execute; a non-root user needs no CAP_SYS_PTRACE', () => {
    const unit = unitInfoFromText('Id=redis-server.service\nUser=redis\nNoExecPaths=/\nSystemCallFilter=read write\nCapabilityBoundingSet=\n', cat('redis-server'));
    const { text } = buildTracingDropIn(unit);
    expect(text).toMatch(/^SystemCallFilter=$/m);
    expect(text).toMatch(/^ExecPaths=\/usr\/bin\/strace$/m);
    expect(text).not.toMatch(/^CapabilityBoundingSet=/m);
  });

  test('memcached: a root daemon with a reduced bounding set gets CAP_SYS_PTRACE added', () => {
    const unit = unitInfoFromText('Id=memcached.service\nCapabilityBoundingSet=cap_setgid cap_setuid\n', cat('memcached'));
    expect(buildTracingDropIn(unit).text).toMatch(/^CapabilityBoundingSet=CAP_SYS_PTRACE$/m);
  });

  test('a candidate sandbox goes first, so the relaxations after it win', () => {
    const unit = unitInfoFromText('Id=x.service\nCapabilityBoundingSet=cap_sys_ptrace\n', '[Service]\nExecStart=/bin/x\n');
    const { text } = buildTracingDropIn(unit, { sandbox: '[Service]\nTemporaryFileSystem=/:ro\nSystemCallFilter=@system-service\n' });
    expect(text.indexOf('TemporaryFileSystem=/:ro')).toBeLessThan(text.indexOf('SystemCallFilter=\n'));
    expect(text).toMatch(/^BindReadOnlyPaths=-\/usr\/bin\/strace$/m);
  });

  test('whatever the unit does with its output, strace\'s stderr goes to the journal while tracing', () => {
    for (const settings of ['StandardOutput=null\nStandardError=inherit\n', 'StandardOutput=file:/var/log/x.log\n', 'StandardOutput=tty\nStandardError=tty\n', '']) {
      const unit = unitInfoFromText(`Id=x.service\nCapabilityBoundingSet=cap_sys_ptrace\n${settings}LogLevelMax=-1\n`, '[Service]\nExecStart=/bin/x\n');
      const { text } = buildTracingDropIn(unit);
      expect(text).toMatch(/^StandardError=journal$/m);
      expect(text).not.toMatch(/^LogLevelMax=/m);
    }
  });

  test("a unit's LogLevelMax= below info is lifted while tracing, or every strace line is dropped", () => {
    const unit = unitInfoFromText('Id=x.service\nCapabilityBoundingSet=cap_sys_ptrace\nLogLevelMax=4\n', '[Service]\nExecStart=/bin/x\n');
    expect(buildTracingDropIn(unit).text).toMatch(/^LogLevelMax=debug$/m);
  });

  test('a unit without Exec lines is refused', () => {
    expect(() => buildTracingDropIn(unitInfoFromText('Id=x.service\n', ''))).toThrow('no Exec');
  });
});

describe('wrapExecCommand', () => {
  test('keeps - + : ! !! in front; drops @ and its argv[0] word with a note', () => {
    expect(wrapExecCommand({ prefixes: ['!!', '-'], command: '/bin/x a' }, '/usr/bin/strace', ['-f']).value).toBe('!!-/usr/bin/strace -f -- /bin/x a');
    const at = wrapExecCommand({ prefixes: ['-', '@'], command: "/bin/sh 'my sh' -c true" }, '/usr/bin/strace', []);
    expect(at.value).toBe('-/usr/bin/strace -- /bin/sh -c true');
    expect(at.note).toContain("'my sh'");
  });
});
