import { describe, expect, test } from '@jest/globals';
import { rootFilesystemType } from './procfs.js';

describe("the filesystem on a process's root", () => {
  test("the empty tmpfs of TemporaryFileSystem=/ is told from the host's root", () => {
    const locked =
      '900 800 0:50 / / ro,nosuid - tmpfs tmpfs ro,mode=755\n901 900 8:1 /usr /usr ro - ext4 /dev/sda1 rw\n';
    const open =
      '25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n26 25 0:5 / /dev rw - devtmpfs udev rw\n';
    expect(rootFilesystemType(locked)).toBe('tmpfs');
    expect(rootFilesystemType(open)).toBe('ext4');
  });

  test('no mount on / (an unreadable or empty file): unknown', () => {
    expect(rootFilesystemType('')).toBeUndefined();
    expect(rootFilesystemType('26 25 0:5 / /dev rw - devtmpfs udev rw\n')).toBeUndefined();
  });
});
