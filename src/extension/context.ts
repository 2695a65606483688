// Shared state of the activated extension and the helpers every command uses: finding the image
// a command is about, and turning failures into readable messages.
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, IsoError } from '../engine/errors';
import type { Namespace } from '../engine/types';
import type { IsoFileSystemProvider } from '../provider/fileSystemProvider';
import { ImageRegistry } from '../provider/registry';
import type { StagingManager } from '../provider/staging';
import { isUriString, SCHEME } from '../provider/uri';
import { iconText, noticeText, pickText } from '../provider/escape';
import type { OutputLogger } from './log';

export const IMAGE_EXTENSIONS = ['iso', 'img', 'udf', 'cdr'];
const IMAGE_RE = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');

export interface Ctx {
  readonly ext: vscode.ExtensionContext;
  readonly registry: ImageRegistry;
  readonly provider: IsoFileSystemProvider;
  /** Staged edits of mounted images. */
  readonly staging: StagingManager;
  readonly log: OutputLogger;
  /** Fired with every error message shown to the user, as shown (escaped; tests listen). */
  readonly errors: vscode.EventEmitter<string>;
}

export const NAMESPACE_LABEL: Record<Namespace, string> = { rr: 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO 9660' };

/** What a command is about: an image (its own URI) and, inside it, a path. */
export interface Target {
  imageUri: vscode.Uri;
  key: string;
  /** Inner path; "/" when the command was given the image itself. */
  path: string;
  /** The isowb URI of `path`. */
  uri: vscode.Uri;
}

export function isImageFile(uri: vscode.Uri): boolean {
  return IMAGE_RE.test(uri.path);
}

export function targetOf(uri: vscode.Uri): Target {
  if (uri.scheme === SCHEME) {
    const p = ImageRegistry.parse(uri);
    return { imageUri: p.image, key: p.key, path: p.path, uri: ImageRegistry.uriOf(p.image, p.path, p.session) };
  }
  return { imageUri: uri, key: ImageRegistry.keyOf(uri), path: '/', uri: ImageRegistry.uriOf(uri, '/') };
}

/** A short display name for an image URI (the file name; nested images show their parent too). */
export function imageLabel(imageUri: vscode.Uri): string {
  const base = nodePath.posix.basename(imageUri.path) || imageUri.toString(true);
  if (imageUri.scheme === SCHEME) {
    try { return `${base} (in ${imageLabel(ImageRegistry.parse(imageUri).image)})`; } catch { return base; }
  }
  return base;
}

/**
 * The image a command applies to: its argument (an image file or a path inside one), else the
 * active editor's, else the only mounted/open image, else one the user picks.
 */
export async function resolveTarget(ctx: Ctx, arg: unknown, purpose: string, opts: { nested?: boolean } = {}): Promise<Target | undefined> {
  if (arg instanceof vscode.Uri) {
    // An image file inside a mounted image (e.g. /images/inner.iso): commands that open an image
    // mean that inner image, not the path of the file in the outer one.
    if (opts.nested && arg.scheme === SCHEME && isImageFile(arg) && targetOf(arg).path !== '/') {
      return { imageUri: arg, key: ImageRegistry.keyOf(arg), path: '/', uri: ImageRegistry.uriOf(arg, '/') };
    }
    return targetOf(arg);
  }
  // A string from a script: a URI (file:///…, isowb://…) or a path on this machine's disk — also
  // C:\… and \\server\share\… on Windows, and a POSIX name with ':' in it.
  if (typeof arg === 'string' && arg !== '') return targetOf(isUriString(arg) ? vscode.Uri.parse(arg, true) : vscode.Uri.file(arg));
  const active = activeResource();
  if (active && (active.scheme === SCHEME || isImageFile(active))) return targetOf(active);
  const known = knownImages(ctx);
  if (known.length === 1) return targetOf(known[0]);
  const items: Array<vscode.QuickPickItem & { uri?: vscode.Uri }> = known.map(u => ({
    label: `$(file-binary) ${iconText(imageLabel(u))}`, description: pickText(u.scheme === 'file' ? nodePath.dirname(u.fsPath) : u.toString(true)), uri: u,
  }));
  items.push({ label: '$(folder-opened) Open an image file…' });
  const pick = known.length === 0 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder: `Image to ${purpose}` });
  if (!pick) return undefined;
  if (pick.uri) return targetOf(pick.uri);
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false, openLabel: 'Select Image', title: `Image to ${purpose}`,
    filters: { 'Disc images': IMAGE_EXTENSIONS, 'All files': ['*'] },
  });
  return chosen?.[0] ? targetOf(chosen[0]) : undefined;
}

/** The resource of the active editor tab (text, custom or diff editor), if any. */
export function activeResource(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  if (input instanceof vscode.TabInputTextDiff) return input.modified;
  return vscode.window.activeTextEditor?.document.uri;
}

/** Images mounted as workspace folders or open in the registry, deduplicated. */
export function knownImages(ctx: Ctx): vscode.Uri[] {
  const seen = new Map<string, vscode.Uri>();
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme !== SCHEME) continue;
    try { const t = targetOf(f.uri); seen.set(t.key, t.imageUri); } catch { /* not ours */ }
  }
  for (const o of ctx.registry.open) if (!seen.has(o.key)) seen.set(o.key, o.imageUri);
  return [...seen.values()];
}

/** A readable message for a failure: the engine's words, with where, never a stack trace. */
export function describeError(e: unknown): string {
  if (e instanceof IsoError) return e.message;
  if (e instanceof vscode.FileSystemError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return `file not found: ${err.path ?? err.message}`;
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return `permission denied: ${err.path ?? err.message}`;
  if (err?.code === 'ENOSPC') return 'no space left on the target disk';
  return err?.message ?? String(e);
}

/**
 * Wraps a command: failures become one error notification (with Show Log) and a log entry. Error
 * messages quote names from images: the notification shows them escaped (noticeText).
 */
export function command<A extends unknown[], R>(ctx: Ctx, id: string, fn: (...args: A) => Promise<R>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: A): Promise<R | undefined> => {
    try {
      return await fn(...args);
    } catch (e) {
      if (e instanceof CancelledError) { ctx.log.info(`${id}: cancelled`); return undefined; }
      const msg = describeError(e);
      ctx.log.error(`${id}: ${msg}${e instanceof IsoError || e instanceof vscode.FileSystemError ? '' : `\n${(e as Error)?.stack ?? ''}`}`);
      const shown = `ISO Workbench: ${noticeText(msg)}`;
      ctx.errors.fire(shown);
      void vscode.window.showErrorMessage(shown, 'Show Log').then(b => { if (b) ctx.log.channel.show(); });
      return undefined;
    }
  });
}
