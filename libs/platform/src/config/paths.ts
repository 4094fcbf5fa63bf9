// Checks on the files and folders a setting names, run at start so a wrong path stops the process with
// the setting's name (exit 2) instead of a raw ENOENT, a stack trace later, or a retry loop that never ends.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './load';

/** Kernel pseudo-filesystems: nothing a service stores belongs there, and writes there never succeed. */
const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

export function requireFile(file: string, setting: string): string {
  const info = statOrExplain(file, setting);
  if (!info.isFile()) throw new ConfigError(`${setting}: ${file} is not a file`);
  return file;
}

export function requireDirectory(dir: string, setting: string): string {
  const info = statOrExplain(dir, setting);
  if (!info.isDirectory()) throw new ConfigError(`${setting}: ${dir} is not a directory`);
  return dir;
}

/**
 * A directory the service will write (checkpoints, a database file's folder): created when missing,
 * then proven writable with a probe file. Refused outright under /proc, /sys or /dev.
 */
export function requireWritableDirectory(dir: string, setting: string): string {
  const absolute = path.resolve(dir);
  const real = realpathOfNearestExisting(absolute);
  const pseudo = PSEUDO_FILESYSTEMS.find((root) => real === root || real.startsWith(`${root}/`));
  if (pseudo) throw new ConfigError(`${setting}: ${dir} is inside ${pseudo}, a kernel pseudo-filesystem; choose a real directory`);
  try {
    fs.mkdirSync(absolute, { recursive: true });
    const probe = path.join(absolute, `.cptflow-write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    throw new ConfigError(`${setting}: cannot write to ${dir} (${describe(error)})`);
  }
  return dir;
}

function statOrExplain(target: string, setting: string): fs.Stats {
  try {
    return fs.statSync(target);
  } catch (error) {
    throw new ConfigError(`${setting}: ${target} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${describe(error)})`}`);
  }
}

function realpathOfNearestExisting(absolute: string): string {
  let current = absolute;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), path.relative(current, absolute));
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      current = parent;
    }
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const messages: Record<string, string> = {
    ENOENT: 'a parent folder does not exist',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a parent is a file, not a folder',
    ENOSPC: 'no space left',
    EEXIST: 'a file is in the way',
  };
  return (code && messages[code]) ?? (error instanceof Error ? error.message : String(error));
}
