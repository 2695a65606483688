// How extraction (extract.ts) judges a failure: the errno codes of a name the target refuses,
// the ones after which the target takes no more writes (they stop the extraction), and a
// one-line description of any failure for the entry's warning.
import { getSystemErrorMap } from 'node:util';
import { CancelledError, InvalidArgumentError, IsoError } from './errors';
import type { FileNode } from './image';
import type { ExtractResult } from './extract';

/** Errors of a name the target file system will not hold (Windows rules on FAT, NTFS, SMB). */
export const REFUSED_NAME = new Set(['EINVAL', 'EPERM', 'EILSEQ', 'ENOENT', 'EACCES']);

/** Errors after which the destination takes no more writes: every later entry would fail too. */
const FULL = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);
/** The errors that stopped an extraction (they pass every per-entry handler on the way out). */
export const stops = new WeakSet<object>();

/**
 * Ends the extraction when `e` is a cancellation or says the destination is full (or read-only):
 * the directories written so far keep their owner-only permissions (0700, as created), so the
 * partial result can be removed, or completed by extracting again once there is room.
 */
export function stopIfFatal(e: unknown, node: FileNode, root: string, r: ExtractResult): void {
  if (e instanceof CancelledError || (typeof e === 'object' && e !== null && stops.has(e))) throw e;
  const code = errnoCode(e);
  if (code !== undefined && FULL.has(code)) {
    const why = code === 'EROFS' ? 'the file system is read-only' : code === 'EDQUOT' ? 'the disk quota is exhausted' : 'no space left on the device';
    const stop = new InvalidArgumentError(`extraction to ${root} stopped at ${node.path}: ${why} (${code}); the ${r.files} files and ${r.dirs} directories written so far are kept`);
    stops.add(stop);
    throw stop;
  }
}

/** The errno code of a system-call error, or of a tool (mkfifo, mknod) that failed with one. */
export function errnoCode(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException & { stderr?: unknown; cmd?: unknown };
  if (typeof err?.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) return err.code;
  if (typeof err?.cmd === 'string') return toolError(err.stderr)?.code;
  return undefined;
}

/** The last message of a tool's stderr ("mknod: /x/y: Invalid argument") as an errno code. */
function toolError(stderr: unknown): { code?: string; text: string } | null {
  const line = String(stderr ?? '').trim().split('\n').pop() ?? '';
  if (!line) return null;
  const text = line.slice(line.lastIndexOf(': ') + 2);
  const lower = text.toLowerCase();
  for (const [name, description] of getSystemErrorMap().values()) if (description.toLowerCase() === lower) return { code: name, text };
  return { text };
}

/** What went wrong, in one line: "open: ENAMETOOLONG (name too long)", "mknod: EINVAL (invalid argument)", an engine error's message. */
export function describeFailure(e: unknown): string {
  if (e instanceof IsoError) return e.message;
  const err = e as NodeJS.ErrnoException & { stderr?: unknown; cmd?: unknown };
  if (typeof err?.code === 'string') {
    // "ENAMETOOLONG: name too long, open '/very/long/host/path'": the code and the reason; the
    // host path is the entry's, already named. (Also a tool that cannot be started: "spawn mknod".)
    const reason = /^[A-Z0-9_]+: ([^,]*)/.exec(err.message ?? '')?.[1];
    return `${err.syscall ? `${err.syscall}: ` : ''}${err.code}${reason ? ` (${reason})` : ''}`;
  }
  if (typeof err?.cmd === 'string') {
    // A tool that ran and failed: its last message, as an errno code when it is one.
    const tool = err.cmd.split(' ')[0];
    const t = toolError(err.stderr);
    if (t?.code) return `${tool}: ${t.code} (${t.text})`;
    return `${tool} failed${t ? `: ${t.text}` : typeof err.code === 'number' ? ` with exit code ${err.code}` : ''}`;
  }
  return `internal error: ${err?.message ?? String(e)}`;
}

/** A device number mknod can be given (it reads "-5" as an option; the kernel judges the range). */
export function isDeviceNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
