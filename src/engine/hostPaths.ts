// Host paths: paths on the user's disk, in the host's own flavour (C:\Users\me\x.iso, \\server\share\x.iso,
// /home/me/x.iso). Image paths — paths inside a disc image — are always POSIX ("/a/b") and have their
// helpers in ./paths.ts; the conversions between the two happen here. Every function takes the path
// module to work with (default: the host's `path`), so the same code is tested under path.win32 and
// path.posix on any machine (test/engine/hostPaths.test.ts).
import * as nodePath from 'node:path';

export type PathModule = nodePath.PlatformPath;

/** Whether `pm` is the Windows flavour. */
export function isWin32(pm: PathModule = nodePath): boolean {
  return pm.sep === '\\';
}

/**
 * `\\?\C:\x` → `C:\x` and `\\?\UNC\server\share\x` → `\\server\share\x`: the Windows long-path
 * prefix names the same file as the plain path. Other paths (and every POSIX path) are unchanged.
 */
export function withoutLongPathPrefix(p: string, pm: PathModule = nodePath): string {
  if (!isWin32(pm)) return p;
  const m = /^[\\/]{2}\?[\\/](UNC[\\/])?/i.exec(p);
  if (!m) return p;
  return m[1] ? '\\\\' + p.slice(m[0].length) : p.slice(m[0].length);
}

/** Lower case, one UTF-16 unit for one (a character whose lower case is longer stays): positions are kept. */
function foldCase(s: string): string {
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

/** `p` absolute and normalised, without the long-path prefix (no trailing separator but for a root). */
function absolute(p: string, pm: PathModule): string {
  return pm.resolve(withoutLongPathPrefix(p, pm));
}

/**
 * A host path in a form that compares equal for equal paths: absolute, normalised, without the
 * long-path prefix, and on Windows in lower case (Windows compares names without case). Two paths
 * with equal keys name the same file; different keys may still do so (links, macOS' case-folding
 * volumes): use `fs.realpath` or device/inode where that matters.
 */
export function hostPathKey(p: string, pm: PathModule = nodePath): string {
  const r = absolute(p, pm);
  return isWin32(pm) ? foldCase(r) : r;
}

/** Whether two host paths are the same path (see hostPathKey). */
export function sameHostPath(a: string, b: string, pm: PathModule = nodePath): boolean {
  return hostPathKey(a, pm) === hostPathKey(b, pm);
}

/**
 * The image path ("/a/b") that host path `p` has inside the host folder `root` ("/" for the folder
 * itself), or null when `p` is not inside it (another drive, `..`, a sibling that merely starts
 * with the folder's name). Compared as host path keys (without case on Windows), component by
 * component: a root folder (`C:\`, `\\server\share\`, `/`) ends with its separator already, and
 * a name that starts with two dots (`..foo`) is inside. The components keep `p`'s spelling and are
 * joined with `/`.
 */
export function imagePathUnder(root: string, p: string, pm: PathModule = nodePath): string | null {
  const r = hostPathKey(root, pm);
  const full = absolute(p, pm);
  const k = isWin32(pm) ? foldCase(full) : full;
  if (k === r) return '/';
  const prefix = r.endsWith(pm.sep) ? r : r + pm.sep;
  if (!k.startsWith(prefix)) return null;
  return '/' + full.slice(prefix.length).split(pm.sep).join('/');
}

/**
 * A path inside a host folder as the user typed it (`isowb build --bios-boot`), as an image path:
 * on Windows `\` separates too (no Windows file name holds one), elsewhere only `/`. Leading
 * separators and `.` components are dropped.
 */
export function folderPathToImagePath(p: string, pm: PathModule = nodePath): string {
  const s = isWin32(pm) ? p.replace(/\\/g, '/') : p;
  return '/' + s.split('/').filter((x) => x !== '' && x !== '.').join('/');
}

/**
 * A symbolic link's target as read from the host (`readlink`), as the target stored in an image
 * (Rock Ridge SL, POSIX): on Windows `..\a\b` becomes `../a/b` and an absolute `\\?\C:\x` becomes
 * `C:/x`. POSIX targets are stored as they are (a `\` is a name character there).
 */
export function linkTargetToImage(target: string, pm: PathModule = nodePath): string {
  return isWin32(pm) ? withoutLongPathPrefix(target, pm).replace(/\\/g, '/') : target;
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that does not split a character. */
export function cutUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    bytes += n;
    i += ch.length;
  }
  return s.slice(0, i);
}

/** A path beside folder `dir` named after it with `.iso` (`C:\data\disc` → `C:\data\disc.iso`); for a root (`C:\`, `\\server\share\`, `/`), `image.iso` inside it. */
export function imageFileBeside(dir: string, pm: PathModule = nodePath): string {
  const r = pm.resolve(dir);
  const { root, base } = pm.parse(r);
  return r === root || base === '' ? pm.join(r, 'image.iso') : `${r}.iso`;
}
