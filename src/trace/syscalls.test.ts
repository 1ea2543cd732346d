import { describe, expect, test } from '@jest/globals';
import {
  AT_FLAGS,
  OPEN_FLAGS,
  SYSCALLS,
  openFlagsToOps,
  parseFlags,
  parseInteger,
  slotAllowsEmptyPath,
  slotOps,
  structMember,
  type SyscallSpec,
} from './syscalls.js';

function pathSpec(name: string): Extract<SyscallSpec, { kind: 'paths' }> {
  const spec = SYSCALLS.get(name);
  if (spec?.kind !== 'paths') throw new Error(`${name} is not a path syscall here`);
  return spec;
}

describe('parseFlags', () => {
  test('reads the same open flags from the symbolic, raw and verbose styles', () => {
    const symbolic = parseFlags('O_RDONLY|O_CLOEXEC', OPEN_FLAGS);
    expect(symbolic).toBe(0o2000000);
    expect(parseFlags('0x80000', OPEN_FLAGS)).toBe(symbolic);
    expect(parseFlags('0x80000 /* O_RDONLY|O_CLOEXEC */', OPEN_FLAGS)).toBe(symbolic);
  });

  test('keeps unknown numeric bits strace appends and ignores unknown symbols', () => {
    expect(parseFlags('O_RDWR|0x40000000', OPEN_FLAGS)).toBe(0o2 | 0x40000000);
    expect(parseFlags('O_WRONLY|O_SOMETHING_NEW', OPEN_FLAGS)).toBe(0o1);
  });

  test('reads AT_EMPTY_PATH in all three styles', () => {
    expect(parseFlags('AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH', AT_FLAGS) & 0x1000).toBe(0x1000);
    expect(parseFlags('0x1000', AT_FLAGS)).toBe(0x1000);
    expect(parseFlags('0x1000 /* AT_EMPTY_PATH */', AT_FLAGS)).toBe(0x1000);
    expect(parseFlags('AT_SYMLINK_NOFOLLOW', AT_FLAGS) & 0x1000).toBe(0);
  });

  test('an absent or NULL flag word is zero', () => {
    expect(parseFlags(undefined, AT_FLAGS)).toBe(0);
    expect(parseFlags('NULL', AT_FLAGS)).toBe(0);
  });
});

describe('parseInteger', () => {
  test('reads hex, octal (as strace prints modes), decimal and negative values', () => {
    expect(parseInteger('0x1c4')).toBe(452);
    expect(parseInteger('0755')).toBe(0o755);
    expect(parseInteger('29')).toBe(29);
    expect(parseInteger('-100')).toBe(-100);
    expect(parseInteger('AT_FDCWD')).toBeUndefined();
  });
});

describe('openFlagsToOps', () => {
  const ops = (flags: string) => openFlagsToOps(parseFlags(flags, OPEN_FLAGS)).sort();

  test('access mode decides read/write', () => {
    expect(ops('O_RDONLY|O_CLOEXEC')).toEqual(['read']);
    expect(ops('O_WRONLY|O_APPEND')).toEqual(['write']);
    expect(ops('O_RDWR')).toEqual(['read', 'write']);
  });

  test('O_CREAT adds create and O_TRUNC implies a write even on a read-only open', () => {
    expect(ops('O_WRONLY|O_CREAT|O_TRUNC')).toEqual(['create', 'write']);
    expect(ops('O_RDWR|O_CREAT')).toEqual(['create', 'read', 'write']);
    expect(ops('O_RDONLY|O_TRUNC')).toEqual(['read', 'write']);
  });

  test('O_DIRECTORY lists, O_PATH only needs the object, O_TMPFILE writes into the directory', () => {
    expect(ops('O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY')).toEqual(['list']);
    expect(ops('O_RDONLY|O_PATH|O_DIRECTORY')).toEqual(['stat']);
    expect(ops('O_RDWR|O_EXCL|O_TMPFILE')).toEqual(['write']);
  });

  test('raw numeric flags give the same answer as the symbolic ones', () => {
    expect(ops('0x241')).toEqual(ops('O_WRONLY|O_CREAT|O_TRUNC'));
    expect(ops('0x90800')).toEqual(ops('O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY'));
  });
});

describe('structMember', () => {
  test('extracts a member of openat2 how struct, with or without a verbose comment', () => {
    const how = '{flags=O_WRONLY|O_CREAT, mode=0600, resolve=RESOLVE_IN_ROOT}';
    expect(structMember(how, 'flags')).toBe('O_WRONLY|O_CREAT');
    expect(structMember(how, 'resolve')).toBe('RESOLVE_IN_ROOT');
    expect(structMember('{flags=0x80000 /* O_RDONLY|O_CLOEXEC */, resolve=0}', 'flags')).toBe(
      '0x80000 /* O_RDONLY|O_CLOEXEC */',
    );
    expect(structMember('{xflags=1, flags=2}', 'flags')).toBe('2');
    expect(structMember('3', 'flags')).toBeUndefined();
  });
});

describe('the syscall table', () => {
  test('covers the x86_64 %file class, the i386 names and later additions', () => {
    const fileClass = [
      'open', 'creat', 'openat', 'openat2', 'stat', 'lstat', 'newfstatat', 'statx', 'access', 'faccessat',
      'faccessat2', 'execve', 'execveat', 'truncate', 'getcwd', 'chdir', 'chroot', 'rename', 'renameat',
      'renameat2', 'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat', 'link', 'linkat', 'symlink', 'symlinkat',
      'readlink', 'readlinkat', 'chmod', 'fchmodat', 'fchmodat2', 'chown', 'lchown', 'fchownat', 'utime',
      'utimes', 'futimesat', 'utimensat', 'mknod', 'mknodat', 'statfs', 'setxattr', 'lsetxattr', 'getxattr',
      'lgetxattr', 'listxattr', 'llistxattr', 'removexattr', 'lremovexattr', 'setxattrat', 'getxattrat',
      'listxattrat', 'removexattrat', 'inotify_add_watch', 'fanotify_mark', 'name_to_handle_at', 'mount',
      'umount2', 'pivot_root', 'swapon', 'swapoff', 'acct', 'quotactl', 'uselib', 'open_tree', 'move_mount',
      'fsconfig', 'fspick', 'mount_setattr', 'open_tree_attr', 'file_getattr', 'file_setattr',
      // i386 personality
      'oldstat', 'oldlstat', 'stat64', 'lstat64', 'fstatat64', 'statfs64', 'truncate64', 'chown32', 'lchown32',
      'umount', 'utimensat_time64',
      // fchmodat2 as strace 6.1 prints it
      'syscall_0x1c4',
    ];
    const missing = fileClass.filter((name) => !SYSCALLS.has(name));
    expect(missing).toEqual([]);
    for (const name of ['connect', 'bind', 'sendto', 'sendmsg']) expect(SYSCALLS.get(name)?.kind).toBe('unixAddress');
  });

  test('leaves out calls that name no file, so they cost one failed lookup', () => {
    for (const name of ['read', 'write', 'mmap', 'fstat', 'getdents64', 'futex', 'ioctl', 'epoll_wait']) {
      expect(SYSCALLS.has(name)).toBe(false);
    }
  });

  test('no path slot is its own dirfd and none lies beyond the sixth argument', () => {
    for (const [name, spec] of SYSCALLS) {
      if (spec.kind !== 'paths') continue;
      for (const slot of spec.slots) {
        expect(slot.path).toBeGreaterThanOrEqual(0);
        expect(slot.path).toBeLessThan(6);
        if (slot.dirfd !== undefined) expect(`${name}: ${slot.dirfd}`).not.toBe(`${name}: ${slot.path}`);
      }
    }
  });

  test('symlink content and readlink output are not paths', () => {
    expect(pathSpec('symlink').slots.map((s) => s.path)).toEqual([1]);
    expect(pathSpec('symlinkat').slots.map((s) => [s.dirfd, s.path])).toEqual([[1, 2]]);
    expect(pathSpec('readlinkat').slots.map((s) => s.path)).toEqual([1]);
  });

  test('notification fds are not dirfds', () => {
    const inotify = pathSpec('inotify_add_watch').slots[0];
    expect(inotify.path).toBe(1);
    expect(inotify.dirfd).toBeUndefined();
    const fanotify = pathSpec('fanotify_mark').slots[0];
    expect([fanotify.dirfd, fanotify.path, fanotify.nullMeansDirfd]).toEqual([3, 4, true]);
  });

  test('rename removes the source name and creates the destination; RENAME_EXCHANGE does both to both', () => {
    const [source, dest] = pathSpec('renameat2').slots;
    const plain = ['3', '"a"', 'AT_FDCWD', '"b"', 'RENAME_NOREPLACE'];
    expect([slotOps(source, plain), slotOps(dest, plain)]).toEqual([['delete'], ['create']]);
    const exchange = ['3', '"a"', 'AT_FDCWD', '"b"', 'RENAME_EXCHANGE'];
    expect([...slotOps(source, exchange)].sort()).toEqual(['create', 'delete']);
    expect([...slotOps(dest, exchange)].sort()).toEqual(['create', 'delete']);
    expect([...slotOps(dest, ['3', '"a"', '3', '"b"', '0x2'])].sort()).toEqual(['create', 'delete']);
  });

  test('a mount source is a path only for bind and move mounts', () => {
    const [source, target] = pathSpec('mount').slots;
    expect(source.when?.(['"none"', '"/mnt"', '"tmpfs"', 'MS_NOSUID|MS_NODEV', '"size=1m"'])).toBe(false);
    expect(source.when?.(['"/srv/data"', '"/mnt"', 'NULL', 'MS_BIND|MS_REC', 'NULL'])).toBe(true);
    expect(source.when?.(['"/srv/data"', '"/mnt"', 'NULL', '0x5000', 'NULL'])).toBe(true);
    expect(slotOps(target, [])).toEqual(['write']);
  });

  test('fsconfig names a path only for FSCONFIG_SET_PATH(_EMPTY)', () => {
    const slot = pathSpec('fsconfig').slots[0];
    expect(slot.when?.(['4', 'FSCONFIG_SET_STRING', '"size"', '"1m"', '0'])).toBe(false);
    expect(slot.when?.(['4', 'FSCONFIG_SET_PATH', '"source"', '"/dev/null"', 'AT_FDCWD'])).toBe(true);
    expect(slotAllowsEmptyPath(slot, ['4', 'FSCONFIG_SET_PATH_EMPTY', '"source"', '""', '5'])).toBe(true);
  });

  test('AT_EMPTY_PATH is read from the flag argument of each call', () => {
    const newfstatat = pathSpec('newfstatat').slots[0];
    expect(slotAllowsEmptyPath(newfstatat, ['3', '""', '{...}', 'AT_EMPTY_PATH'])).toBe(true);
    expect(slotAllowsEmptyPath(newfstatat, ['AT_FDCWD', '""', '0x7ffd9665fa60', '0'])).toBe(false);
    const statx = pathSpec('statx').slots[0];
    expect(slotAllowsEmptyPath(statx, ['6', '""', 'AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH', 'STATX_ALL', '{}'])).toBe(true);
    const [moveFrom, moveTo] = pathSpec('move_mount').slots;
    const args = ['3', '""', 'AT_FDCWD', '"/mnt"', 'MOVE_MOUNT_F_EMPTY_PATH'];
    expect([slotAllowsEmptyPath(moveFrom, args), slotAllowsEmptyPath(moveTo, args)]).toEqual([true, false]);
  });

  test('open-like calls report close-on-exec from their own flag argument', () => {
    const openat = pathSpec('openat');
    expect(openat.effect).toBe('opensFd');
    expect(openat.cloexec?.(['AT_FDCWD', '"/x"', 'O_RDONLY|O_CLOEXEC'])).toBe(true);
    expect(openat.cloexec?.(['AT_FDCWD', '"/x"', 'O_RDONLY'])).toBe(false);
    expect(pathSpec('openat2').cloexec?.(['3', '"x"', '{flags=O_RDONLY|O_CLOEXEC, resolve=0}', '24'])).toBe(true);
  });

  test('clone sharing is read from named, struct and raw flag forms', () => {
    const clone = SYSCALLS.get('clone');
    const clone3 = SYSCALLS.get('clone3');
    if (clone?.kind !== 'spawn' || clone3?.kind !== 'spawn') throw new Error('clone is not a spawn call');
    expect(
      clone.sharing(['child_stack=0x7f', 'flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD', 'parent_tid=[1]']),
    ).toEqual({ fs: true, files: true });
    expect(clone.sharing(['child_stack=NULL', 'flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD'])).toEqual({
      fs: false,
      files: false,
    });
    expect(clone3.sharing(['{flags=CLONE_VM|CLONE_FS|CLONE_FILES, exit_signal=0}', '88'])).toEqual({ fs: true, files: true });
    expect(clone.sharing(['0x600', '0x7f0000'])).toEqual({ fs: true, files: true });
  });
});
