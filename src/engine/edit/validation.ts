// Validation of the edit model's changes: names legal for every namespace the image has (the
// ISO 9660 and Joliet rules live in iso9660/names.ts; Rock Ridge: ≤ 255 bytes), path length
// (255 bytes ISO 9660, 4095 bytes Rock Ridge), directory depth (8 levels without Rock Ridge),
// symbolic links and special files (Rock Ridge only), and staged content files.
import * as fs from 'node:fs';
import type { FileNode } from '../image';
import { joinPath } from '../paths';
import { iso9660NameProblem, jolietProblem } from '../iso9660/names';
import { StagedTree, type ONode } from './stagedTree';

export type SpecialType = 'fifo' | 'char' | 'block' | 'socket';

export const RR_PATH_MAX = 4095;
export const ISO_PATH_MAX = 255;
/** ECMA-119 6.8.2.1: at most 8 levels of directories, the root being the first. */
const ISO_MAX_DIR_COMPONENTS = 7;

/** The tree with the checks every change goes through. */
export abstract class ValidatedTree extends StagedTree {
  private isoLevel: Promise<1 | 2 | 4> | null = null;

  protected async checkContent(content: { path: string; size: number }, path: string): Promise<void> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(content.path);
    } catch {
      throw this.err('invalid-argument', `the content for ${path} (${content.path}) does not exist`);
    }
    if (!st.isFile()) throw this.err('invalid-argument', `the content for ${path} (${content.path}) is not a regular file`);
    if (st.size !== content.size) throw this.err('invalid-argument', `the content for ${path} (${content.path}) is ${st.size} bytes, not ${content.size}`);
  }

  /** Refuses names that some namespace of the image cannot hold, explaining which and why. */
  protected async checkName(name: string, parent: ONode, kind: 'file' | 'dir'): Promise<void> {
    const at = joinPath(this.pathOf(parent), name);
    const problem = basicNameProblem(name);
    if (problem) throw this.err('invalid-name', `${JSON.stringify(name)} in ${this.pathOf(parent)}: ${problem}`);
    if (this.ns === 'rr' || this.rock) {
      const bytes = Buffer.byteLength(name, 'utf8');
      if (bytes > 255) throw this.err('invalid-name', `${at}: the name is ${bytes} bytes; Rock Ridge names (like Linux file names) are limited to 255 bytes`);
    }
    // With Rock Ridge the Joliet names are generated from the Rock Ridge ones by the writer (too
    // long → cut with a counter, forbidden characters → '_'), like mkisofs/xorriso do; only a
    // Joliet-only image shows Joliet names as they are, so only there the Joliet rules apply.
    if (this.joliet && this.ns === 'joliet') {
      const p = jolietProblem(name);
      if (p) throw this.err('invalid-name', `${at}: ${p}`);
    }
    if (this.ns === 'iso9660') {
      const level = await this.level();
      const p = iso9660NameProblem(name, kind, level);
      if (p) throw this.err('invalid-name', `${at}: ${p} (the image has neither Rock Ridge nor Joliet, so its ISO 9660 names are the only names)`);
    }
  }

  /** A symbolic link or special file: Rock Ridge is needed, the target or device number must be recordable. */
  protected checkSpecial(p: string, type: 'symlink' | SpecialType, target: string | undefined, rdev: { major: number; minor: number } | undefined): void {
    const what = type === 'symlink' ? 'symbolic links' : type === 'fifo' ? 'FIFOs' : type === 'socket' ? 'sockets' : 'device nodes';
    if (!this.rock) {
      throw this.err('unsupported', `${p}: ${what} can be recorded only with Rock Ridge, which this image does not have (its ${this.ns === 'joliet' ? 'Joliet' : 'ISO 9660'} tree keeps names and times only)`);
    }
    if (type === 'symlink') {
      if (typeof target !== 'string' || target === '') throw this.err('invalid-argument', `${p}: a symbolic link needs a target`);
      if (target.includes('\0')) throw this.err('invalid-argument', `${p}: a link target cannot contain a NUL character`);
      const bytes = Buffer.byteLength(target, 'utf8');
      if (bytes > RR_PATH_MAX) throw this.err('invalid-argument', `${p}: the link target is ${bytes} bytes; targets are limited to ${RR_PATH_MAX} bytes (PATH_MAX)`);
    } else if (target !== undefined) {
      throw this.err('invalid-argument', `${p}: only a symbolic link has a target`);
    }
    if (type === 'char' || type === 'block') {
      const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
      if (!rdev || !ok(rdev.major) || !ok(rdev.minor)) throw this.err('invalid-argument', `${p}: a device node needs a device number (major and minor, 0 to 4294967295)`);
    } else if (rdev !== undefined) {
      throw this.err('invalid-argument', `${p}: only a device node has a device number`);
    }
  }

  protected checkPath(path: string): void {
    if (this.ns === 'iso9660') {
      if (path.length - 1 > ISO_PATH_MAX) throw this.err('invalid-name', `${path}: ISO 9660 paths are limited to ${ISO_PATH_MAX} bytes (the image has no Rock Ridge)`);
    } else if (Buffer.byteLength(path, 'utf8') > RR_PATH_MAX) {
      throw this.err('invalid-name', `${path.slice(0, 60)}…: the path is longer than ${RR_PATH_MAX} bytes`);
    }
  }

  /** Without Rock Ridge nothing can relocate directories deeper than ECMA-119's 8 levels. */
  protected checkDepth(dirPath: string, below: number): void {
    if (this.rock) return;
    const components = dirPath.split('/').filter(Boolean).length + below;
    if (components > ISO_MAX_DIR_COMPONENTS) {
      throw this.err('invalid-name', `${dirPath}: directories may be nested at most 8 levels deep (the root counts as one; this would make ${components + 1}); only Rock Ridge can relocate deeper directories, and the image has none`);
    }
  }

  /** ISO 9660 interchange level of an image without extensions, judged from its names. */
  protected level(): Promise<1 | 2 | 4> {
    this.isoLevel ??= (async () => {
      if (this.image.volume.fileStructureVersion === 2) return 4;
      // Breadth-first over at most 200 directories: any name beyond 8.3 means level 2 or 3.
      let level: FileNode[] = [this.root.origin!];
      let dirs = 0;
      while (level.length > 0 && dirs < 200) {
        const next: FileNode[] = [];
        for (const d of level) {
          if (++dirs > 200) break;
          for (const k of await this.readOrigin(d)) {
            if (k.type === 'dir') {
              if (k.name.length > 8) return 2;
              next.push(k);
            } else {
              const dot = k.name.lastIndexOf('.');
              const base = dot < 0 ? k.name : k.name.slice(0, dot);
              const ext = dot < 0 ? '' : k.name.slice(dot + 1);
              if (base.length > 8 || ext.length > 3) return 2;
            }
          }
        }
        level = next;
      }
      return 1;
    })();
    return this.isoLevel;
  }
}

/** Problems every namespace has with a name (empty, ".", "..", "/", NUL), or null. */
export function basicNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'a name cannot be empty';
  if (name === '.' || name === '..') return `${JSON.stringify(name)} is not a name`;
  if (name.includes('/')) return 'a name cannot contain "/"';
  if (name.includes('\0')) return 'a name cannot contain a NUL character';
  return null;
}
