// Shared helpers for the black-box tests: running the built CLI (dist/isowb.js), hashing, walking
// extracted trees, and normalising names between namespaces.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../fixtures/build';
import { EntryType, run, RunResult } from '../peers/run';
import { unescapeTermText } from '../../src/engine/util/escape';

export const CLI = path.join(REPO_ROOT, 'dist', 'isowb.js');

export function isowb(args: string[], timeoutMs = 10 * 60_000): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], { timeoutMs });
}

export async function isowbOk(args: string[]): Promise<string> {
  const r = await isowb(args);
  if (r.code !== 0) throw new Error(`isowb ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.slice(0, 2000)}`);
  return r.stdout.toString('utf8');
}

export interface OurEntry {
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  mtime: string;
  target?: string;
  extents: { lba: number; blocks: number }[];
}

/** `isowb ls IMG / -R --json [--namespace NS]`: one JSON object per line. */
export async function ourLs(image: string, namespace?: string): Promise<OurEntry[]> {
  const args = ['ls', image, '/', '-R', '--json'];
  if (namespace) args.push('--namespace', namespace);
  const text = await isowbOk(args);
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OurEntry)
    .filter((e) => e.path !== '/');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function ourInfo(image: string): Promise<any> {
  return JSON.parse(await isowbOk(['info', image, '--json']));
}

/** ISO 9660 names as the tools print them differ only in ";1" and a trailing "." - drop both. */
export function normIso(p: string): string {
  return p
    .split('/')
    .map((c) => c.replace(/;\d+$/, '').replace(/\.$/, ''))
    .join('/');
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** sha256 of a command's stdout, streamed (for multi-GiB files). */
export function sha256Of(cmd: string, args: string[]): Promise<{ hash: string; bytes: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('child_process') as typeof import('child_process');
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' } });
    const h = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length;
      h.update(b);
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ hash: h.digest('hex'), bytes, code, stderr }));
  });
}

export interface TreeNode {
  type: EntryType;
  perm: number;
  mtimeSec: number;
  size: number;
  target?: string;
  sha256?: string;
}

function lstatType(st: fs.Stats): EntryType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

/** Walks an extracted tree (not following symlinks); keys are "/rel/path". */
export async function walkTree(root: string): Promise<Map<string, TreeNode>> {
  const out = new Map<string, TreeNode>();
  const visit = async (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const r = `${rel}/${name}`;
      const st = fs.lstatSync(full);
      const node: TreeNode = { type: lstatType(st), perm: st.mode & 0o7777, mtimeSec: Math.floor(st.mtimeMs / 1000), size: st.size };
      if (node.type === 'symlink') node.target = fs.readlinkSync(full);
      if (node.type === 'file') node.sha256 = await sha256File(full);
      out.set(r, node);
      if (node.type === 'dir') await visit(full, r);
    }
  };
  await visit(root, '');
  return out;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `isowb-${prefix}-`));
}

export function rmrf(p: string): void {
  // extracted trees may contain read-only directories: make them writable first
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    void run('chmod', ['-R', 'u+rwx', p]).then(() => fs.rmSync(p, { recursive: true, force: true }));
  }
}

/**
 * The rename list an extraction left in `out` (.isowb-renames.txt): image path → path relative to
 * `out` ("/" separated, with a leading "/"), names unescaped. Empty when there is none.
 */
export function readRenameList(out: string): Map<string, string> {
  const m = new Map<string, string>();
  let text = '';
  try { text = fs.readFileSync(path.join(out, '.isowb-renames.txt'), 'utf8'); } catch { return m; }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [from, as] = line.split('\t');
    m.set(unescapeTermText(from), '/' + unescapeTermText(as));
  }
  return m;
}

/** Where the image path `p` was extracted, relative to the target ("/a/b"), given the rename list. */
export function renamedPath(p: string, renames: Map<string, string>): string {
  for (let cut = p.length; cut > 0; cut = p.lastIndexOf('/', cut - 1)) {
    const as = renames.get(p.slice(0, cut));
    if (as !== undefined) return as + p.slice(cut);
  }
  return p;
}
