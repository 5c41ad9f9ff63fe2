/**
 * A small tmpfs for disk-full tests: mounted on a new directory (needs root on Linux), filled
 * with a filler file, emptied, resized, unmounted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A mounted tmpfs. */
export interface Tmpfs {
  /** The mount point. */
  dir: string;
  /** Bytes free on it. */
  freeBytes(): Promise<number>;
  /** Writes `filler` until only `leaveBytes` (rounded to a page) are free, or the disk is full. */
  fill(leaveBytes: number): Promise<void>;
  /** Deletes the filler. */
  empty(): Promise<void>;
  /** `mount -o remount,size=…`: grows (or shrinks) the filesystem in place. */
  resize(bytes: number): Promise<void>;
  /** Unmounts and removes the mount point. */
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `bytes`; resolves to the reason instead where that is not possible. */
export async function mountTmpfs(bytes: number): Promise<Tmpfs | string> {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  const dir = await mkdtemp(join(tmpdir(), 'qtasks-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (${String((error as { stderr?: string }).stderr || error).trim()}); it needs root`;
  }
  const filler = join(dir, 'filler');
  const freeBytes = async (): Promise<number> => {
    const stats = await statfs(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    freeBytes,
    async fill(leaveBytes) {
      const file = await open(filler, 'a');
      try {
        const chunk = Buffer.alloc(64 * 1024, 0x55);
        for (let toWrite = (await freeBytes()) - leaveBytes; toWrite > 0; toWrite -= chunk.length) {
          await file.write(chunk, 0, Math.min(chunk.length, toWrite));
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await file.close();
      }
    },
    empty: () => rm(filler, { force: true }),
    async resize(size) {
      await run('mount', ['-o', `remount,size=${size}`, dir]);
    },
    async unmount() {
      await run('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
