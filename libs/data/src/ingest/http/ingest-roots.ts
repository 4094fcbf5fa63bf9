// Server-side paths are read only inside the configured ingest roots. The check runs on the real path
// (symlinks followed), so neither "../" nor a symlink pointing out of a root escapes it.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { IngestHttpError } from './http-error';

export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}

export class IngestRoots {
  private constructor(
    private readonly given: readonly string[],
    private readonly real: readonly string[],
  ) {}

  /** Resolves each root once; a root that does not exist is a configuration error. */
  static async of(roots: readonly string[]): Promise<IngestRoots> {
    const given = roots.map((r) => resolve(r));
    const real: string[] = [];
    for (const root of given) {
      try {
        real.push(await realpath(root));
      } catch {
        throw new Error(`ingest root ${root} does not exist`);
      }
    }
    return new IngestRoots(given, real);
  }

  /** A request path made absolute: relative paths are taken relative to the first root. */
  absolute(requested: string): string {
    if (this.given.length === 0) throw new IngestHttpError(403, 'no ingest roots are configured');
    return isAbsolute(requested) ? resolve(requested) : resolve(this.given[0]!, requested);
  }

  /**
   * The real path of `requested`, which must lie inside a root. The lexical check comes first so a path
   * outside every root gets 403 whether or not it exists (no probing of the server's file system).
   */
  async confine(requested: string): Promise<string> {
    const absolute = this.absolute(requested);
    if (!this.given.some((root) => isInside(root, absolute)) && !this.real.some((root) => isInside(root, absolute))) {
      throw new IngestHttpError(403, 'path is outside the ingest roots');
    }
    let real: string;
    try {
      real = await realpath(absolute);
    } catch {
      throw new IngestHttpError(404, 'path does not exist');
    }
    this.assertInside(real);
    return real;
  }

  /** For files found under a confined folder or glob: their real paths must stay inside too. */
  async confineFile(path: string): Promise<string> {
    const real = await realpath(path);
    this.assertInside(real);
    return real;
  }

  private assertInside(real: string): void {
    if (!this.real.some((root) => isInside(root, real))) {
      throw new IngestHttpError(403, 'path resolves outside the ingest roots');
    }
  }
}
