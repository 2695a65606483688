// Paths on the command line: host paths (the user's disk, in the host's flavour) and image paths
// (inside an image, always '/'-separated). Pure; the path module is a parameter so the rules are
// tested under path.win32 and path.posix (test/engine/hostPaths.test.ts).
import * as nodePath from 'node:path';
import { isWin32, type PathModule } from '../engine/hostPaths';
import { UsageError } from './errors';

/**
 * An image path given on the command line, made absolute (`boot/x` → `/boot/x`). Image paths are
 * written with '/' on every host; on Windows one holding a '\' is refused for options that create
 * names (it is surely a Windows path, and would become one odd name in the root).
 */
export function imagePathArg(p: string, opt: string, pm: PathModule = nodePath): string {
  if (isWin32(pm) && p.includes('\\')) throw new UsageError(`${opt}: ${p} is not an image path: paths inside an image are written with '/' (e.g. /boot/x)`);
  return p.startsWith('/') ? p : '/' + p;
}

/**
 * Splits `SRC=DEST` (`repack --add`, `--replace`): SRC a host path, DEST an image path. DEST starts
 * after the last '=' that is followed by '/'; when there is none, after the last '='. So SRC may
 * hold '=' anywhere and be any host path (C:\dir\file, \\server\share\f, \\?\C:\long, a=b.txt),
 * and an absolute DEST may hold '=' except at the end of a folder name; a relative DEST (`boot/x`,
 * taken from the root) holds no '='.
 */
export function splitSrcDest(spec: string, opt: string, pm: PathModule = nodePath): { src: string; dest: string } {
  let i = spec.lastIndexOf('=/');
  if (i < 0) i = spec.lastIndexOf('=');
  if (i <= 0 || i === spec.length - 1) throw new UsageError(`${opt} wants SRC=DEST (got ${spec})`);
  return { src: spec.slice(0, i), dest: imagePathArg(spec.slice(i + 1), opt, pm) };
}
