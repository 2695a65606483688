// Helpers for the integration suites that run inside the extension host.
import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IsoWorkbenchApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'iso-workbench.iso-workbench';

export async function api(): Promise<IsoWorkbenchApi> {
  const ext = vscode.extensions.getExtension<IsoWorkbenchApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `isowb-it-${prefix}-`));
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function sha256File(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(p, { highWaterMark: 4 << 20 }).on('data', d => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/** Polls until `fn` returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Every entry below `root` through vscode.workspace.fs: path → type (and size of files). */
export async function listTree(root: vscode.Uri): Promise<Map<string, { type: vscode.FileType }>> {
  const out = new Map<string, { type: vscode.FileType }>();
  const rec = async (dir: vscode.Uri, rel: string): Promise<void> => {
    for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
      const p = `${rel}/${name}`;
      out.set(p, { type });
      if (type === vscode.FileType.Directory) await rec(vscode.Uri.joinPath(dir, name), p);
    }
  };
  await rec(root, '');
  return out;
}

/** Every entry below a host folder: path → type, like listTree (symlinks not followed). */
export function listHostTree(dir: string): Map<string, { type: 'file' | 'dir' | 'symlink' | 'other' }> {
  const out = new Map<string, { type: 'file' | 'dir' | 'symlink' | 'other' }>();
  const rec = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      const type = e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
      out.set(p, { type });
      if (type === 'dir') rec(path.join(d, e.name), p);
    }
  };
  rec(dir, '');
  return out;
}

/** Waits for the workspace folders to change after an action. */
export async function foldersChanged(action: () => Thenable<unknown> | Promise<unknown>): Promise<void> {
  const changed = new Promise<void>(resolve => {
    const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => { sub.dispose(); resolve(); });
  });
  await action();
  await Promise.race([changed, new Promise(r => setTimeout(r, 5000))]);
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
