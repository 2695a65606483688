// The palette and Explorer commands. Each accepts the Explorer's arguments (clicked URI, selected
// URIs) and, for scripting and tests, an options object instead of a dialog.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, InvalidArgumentError } from '../engine/errors';
import { extract, type ExtractResult } from '../engine/extract';
import type { Namespace } from '../engine/types';
import { ImageRegistry } from '../provider/registry';
import { SCHEME } from '../provider/uri';
import {
  command, imageLabel, NAMESPACE_LABEL, resolveTarget, targetOf, type Ctx, type Target,
} from './context';
import { humanSize } from './report';
import { iconText, noticeText, pickText, plainText } from '../provider/escape';
import { INFO_SCHEME, showInfo } from './info';
import { browse, goToFile, searchText } from './pickers';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    command(ctx, 'isoWorkbench.openAsFolder', (uri?: vscode.Uri) => openAsFolder(ctx, uri)),
    command(ctx, 'isoWorkbench.browse', (uri?: vscode.Uri, path?: string) => browse(ctx, uri, path)),
    command(ctx, 'isoWorkbench.closeImage', (uri?: vscode.Uri) => closeImage(ctx, uri)),
    command(ctx, 'isoWorkbench.extract', (uri?: vscode.Uri, uris?: vscode.Uri[], opts?: ExtractCommandOptions) => extractCommand(ctx, uri, uris, opts)),
    command(ctx, 'isoWorkbench.copyPathInImage', (uri?: vscode.Uri, uris?: vscode.Uri[]) => copyPath(ctx, uri, uris)),
    command(ctx, 'isoWorkbench.showInfo', (uri?: vscode.Uri) => showInfo(ctx, uri)),
    command(ctx, 'isoWorkbench.switchNamespace', (uri?: vscode.Uri, ns?: Namespace) => switchNamespace(ctx, uri, ns)),
    command(ctx, 'isoWorkbench.goToFile', (uri?: vscode.Uri) => goToFile(ctx, uri)),
    command(ctx, 'isoWorkbench.searchText', (uri?: vscode.Uri, query?: Parameters<typeof searchText>[2]) => searchText(ctx, uri, query)),
    command(ctx, 'isoWorkbench.showLog', async () => { ctx.log.channel.show(); }),
  ];
}

/** Adds the image as a workspace folder (or reveals it when already there); returns its root URI. */
async function openAsFolder(ctx: Ctx, arg?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const t = await resolveTarget(ctx, arg, 'open as a workspace folder', { nested: true });
  if (!t) return undefined;
  const root = ImageRegistry.uriOf(t.imageUri, '/');
  const volumeId = await ctx.registry.use(t.key, img => img.volume.volumeId);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const existing = folders.find(f => f.uri.scheme === SCHEME && f.uri.authority.toLowerCase() === root.authority);
  if (!existing) {
    // The folder's name shows in the Explorer and in descriptions of VS Code's own quick picks.
    const name = pickText(volumeId ? `${imageLabel(t.imageUri)} — ${volumeId}` : imageLabel(t.imageUri));
    const added = nextFolderChange();
    if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri: root, name })) {
      throw new Error('VS Code refused to add the workspace folder');
    }
    await added;
    ctx.log.info(`mounted ${t.imageUri.toString(true)} as workspace folder "${name}"`);
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  await vscode.commands.executeCommand('revealInExplorer', root).then(undefined, () => undefined);
  return root;
}

/** Resolves at the next workspace-folder change (or after 10 s: VS Code may not report one). */
function nextFolderChange(): Promise<void> {
  return new Promise<void>(resolve => {
    const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => { sub.dispose(); resolve(); });
    setTimeout(() => { sub.dispose(); resolve(); }, 10_000);
  });
}

/** Removes the image's workspace folders, closes its editors and releases the engine. */
async function closeImage(ctx: Ctx, arg?: vscode.Uri): Promise<number> {
  const t = await resolveTarget(ctx, arg, 'close');
  if (!t) return 0;
  const base = t.key.split('.')[0];
  const mine = (u: vscode.Uri) => (u.scheme === SCHEME || u.scheme === INFO_SCHEME) && u.authority.toLowerCase().split('.')[0] === base;
  const tabs: vscode.Tab[] = [];
  for (const g of vscode.window.tabGroups.all) {
    for (const tab of g.tabs) {
      const i = tab.input;
      if ((i instanceof vscode.TabInputText || i instanceof vscode.TabInputCustom) && mine(i.uri)) tabs.push(tab);
      else if (i instanceof vscode.TabInputTextDiff && (mine(i.original) || mine(i.modified))) tabs.push(tab);
    }
  }
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
  const folders = vscode.workspace.workspaceFolders ?? [];
  // Remove from the end so indexes stay valid; one call per folder, waiting for each change.
  let removed = 0;
  for (let i = folders.length - 1; i >= 0; i--) {
    if (!mine(folders[i].uri)) continue;
    const changed = nextFolderChange();
    if (vscode.workspace.updateWorkspaceFolders(i, 1)) { await changed; removed++; }
  }
  const staged = ctx.staging.all.filter(s => s.key.split('.')[0] === base && !s.cs.isEmpty).reduce((n, s) => n + s.cs.summary().length, 0);
  for (const o of ctx.registry.open) if (o.key.split('.')[0] === base) await ctx.registry.close(o.key);
  ctx.log.info(`closed ${t.imageUri.toString(true)} (${removed} folder(s), ${tabs.length} editor(s))${staged ? `; its ${staged} staged change(s) stay saved` : ''}`);
  if (staged) void vscode.window.showInformationMessage(`${noticeText(imageLabel(t.imageUri))}: its ${staged} staged change${staged === 1 ? ' is' : 's are'} kept and offered again when you open it.`);
  return removed;
}

export interface ExtractCommandOptions {
  /** Target folder (skips the folder dialog). */
  dest?: string;
  /** Don't show the completion notification (scripts, tests). */
  quiet?: boolean;
}

/**
 * Extracts the selected entries (Explorer multi-select inside a mounted image), or the whole
 * image when given an image file, to a folder. The selection keeps its names relative to the
 * common parent folder: extracting /boot/grub writes DEST/grub.
 */
async function extractCommand(ctx: Ctx, arg?: vscode.Uri, many?: vscode.Uri[], opts: ExtractCommandOptions = {}): Promise<ExtractResult | undefined> {
  const selected = (many && many.length > 0 ? many : arg ? [arg] : []).map(targetOf);
  let targets: Target[] = selected;
  if (targets.length === 0) {
    const t = await resolveTarget(ctx, undefined, 'extract');
    if (!t) return undefined;
    targets = [t];
  }
  const key = targets[0].key;
  if (targets.some(t => t.key !== key)) throw new InvalidArgumentError('the selection spans several images; extract from one image at a time');
  const paths = targets.map(t => t.path);
  const base = paths.includes('/') ? '/' : commonParent(paths);
  const what = paths.length === 1 ? (paths[0] === '/' ? 'everything' : paths[0]) : `${paths.length} items`;
  const where = opts.dest ?? await pickExtractFolder(targets[0].imageUri, what);
  if (!where) return undefined;
  const lease = await ctx.registry.acquire(key);
  try {
    const t0 = Date.now();
    const result = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true,
      title: noticeText(`Extracting ${what} from ${imageLabel(targets[0].imageUri)}`),
    }, async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      let reported = 0;
      try {
        return await extract(lease.image, {
          paths, base, dest: where, signal: ac.signal, planTotal: true,
          renameList: vscode.workspace.getConfiguration('isoWorkbench.extract').get<boolean>('renameList', true),
          onProgress: p => {
            const pct = p.totalBytes > 0 ? Math.min(100, (p.bytes / p.totalBytes) * 100) : 0;
            progress.report({
              increment: pct - reported,
              message: `${p.files} files, ${humanSize(p.bytes)}${p.totalBytes ? ` of ${humanSize(p.totalBytes)}` : ''}${p.current ? ` — ${noticeText(p.current)}` : ''}`,
            });
            reported = pct;
          },
          onWarning: w => ctx.log.warn(`extract: ${w}`),
        });
      } catch (e) {
        if (ac.signal.aborted) throw new CancelledError(`extraction to ${where} cancelled; files written so far are kept`);
        throw e;
      } finally {
        sub.dispose();
      }
    });
    reportExtraction(ctx, result, where, (Date.now() - t0) / 1000, opts.quiet === true);
    return result;
  } finally {
    lease.release();
  }
}

/** Asks for the destination folder (confirming a non-empty one); undefined when the user backs out. */
async function pickExtractFolder(imageUri: vscode.Uri, what: string): Promise<string | undefined> {
  const configured = vscode.workspace.getConfiguration('isoWorkbench.extract').get<string>('defaultFolder', '');
  const near = imageUri.scheme === 'file' ? vscode.Uri.file(nodePath.dirname(imageUri.fsPath)) : undefined;
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Extract Here',
    title: plainText(`Extract ${what} from ${imageLabel(imageUri)}`),
    defaultUri: configured ? vscode.Uri.file(configured) : near,
  });
  if (!picked?.[0]) return undefined;
  const dest = localFolder(picked[0]);
  const existing = fs.readdirSync(dest);
  if (existing.length > 0) {
    const go = await vscode.window.showWarningMessage(
      `${noticeText(dest)} is not empty (${existing.length} item${existing.length === 1 ? '' : 's'}). Files with the same names as extracted ones will be replaced.`,
      { modal: true }, 'Extract Anyway');
    if (go !== 'Extract Anyway') return undefined;
  }
  return dest;
}

/**
 * Logs the summary of an extraction and (unless quiet) shows it: entries renamed for the target's
 * file system and entries that could not be extracted are counted here, each named with its
 * reason in a warning in the log (the renames also in the rename list).
 */
function reportExtraction(ctx: Ctx, result: ExtractResult, where: string, secs: number, quiet: boolean): void {
  const summary = `Extracted ${result.files} files, ${result.dirs} folders${result.symlinks ? `, ${result.symlinks} links` : ''} (${humanSize(result.bytes)}) to ${where} in ${secs.toFixed(1)} s`;
  const renamed = result.renamed.length;
  const others = result.warnings.length - renamed;
  const problems = [
    renamed > 0 ? `${renamed} ${renamed === 1 ? 'entry' : 'entries'} renamed for this file system (${result.hostProfile})${result.renameList ? `, listed in ${nodePath.basename(result.renameList)}` : ''}` : '',
    result.failed > 0 ? `${result.failed} ${result.failed === 1 ? 'entry' : 'entries'} could not be extracted`
      : others > 0 ? `${others} warning${others === 1 ? '' : 's'}` : '',
  ].filter(Boolean).join('; ');
  ctx.log.info(summary + (problems ? `; ${problems} (see the warnings above)` : ''));
  if (quiet) return;
  const buttons = problems ? ['Show Log', 'Open Folder in New Window'] : ['Open Folder in New Window'];
  const show = problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(problems ? `${noticeText(summary)} — ${problems}; the log names each one and why.` : `${noticeText(summary)}.`, ...buttons).then(b => {
    if (b === 'Show Log') ctx.log.channel.show();
    else if (b) void vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(where), { forceNewWindow: true });
  });
}

/** The folder containing all paths (they are absolute image paths). */
function commonParent(paths: string[]): string {
  const split = paths.map(p => p.split('/').filter(Boolean).slice(0, -1));
  const first = split[0];
  let n = 0;
  while (n < first.length && split.every(s => s[n] === first[n])) n++;
  return '/' + first.slice(0, n).join('/');
}

/** A folder URI from a dialog as a path on this machine's disk. */
function localFolder(uri: vscode.Uri): string {
  if (uri.scheme === 'file' || (uri.scheme === 'vscode-remote' && fs.existsSync(uri.fsPath))) return uri.fsPath;
  throw new InvalidArgumentError(`extraction needs a folder on this machine's disk; ${uri.toString(true)} is on a ${uri.scheme}: file system`);
}

async function copyPath(ctx: Ctx, arg?: vscode.Uri, many?: vscode.Uri[]): Promise<string | undefined> {
  const uris = many && many.length > 0 ? many : arg ? [arg] : [];
  if (uris.length === 0) {
    const t = await resolveTarget(ctx, undefined, 'copy a path from');
    if (!t) return undefined;
    uris.push(t.uri);
  }
  const text = uris.map(u => targetOf(u).path).join('\n');
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`$(copy) Copied ${uris.length === 1 ? iconText(text) : `${uris.length} paths`}`, 3000);
  return text;
}

async function switchNamespace(ctx: Ctx, arg?: vscode.Uri, ns?: Namespace): Promise<Namespace | undefined> {
  const t = await resolveTarget(ctx, arg, 'switch the namespace of');
  if (!t) return undefined;
  const { present, current } = await ctx.registry.use(t.key, img => ({ present: img.namespaces, current: img.namespace }));
  let choice = ns;
  if (!choice) {
    const detail: Record<Namespace, string> = {
      rr: 'POSIX names, permissions, owners, symbolic links, long names (what Linux shows)',
      joliet: 'Unicode names up to 64 characters (what Windows shows)',
      iso9660: 'the plain ISO 9660 names (what firmware and DOS see)',
    };
    const pick = await vscode.window.showQuickPick(present.map(n => ({
      label: `${n === current ? '$(check) ' : ''}${NAMESPACE_LABEL[n]}`, description: n === current ? 'current' : undefined, detail: detail[n], ns: n,
    })), { placeHolder: plainText(`Directory tree to show for ${imageLabel(t.imageUri)}`) });
    if (!pick) return undefined;
    choice = pick.ns;
  }
  if (!present.includes(choice)) throw new InvalidArgumentError(`${imageLabel(t.imageUri)} has no ${NAMESPACE_LABEL[choice] ?? choice} tree (it has ${present.map(n => NAMESPACE_LABEL[n]).join(', ')})`);
  const staged = ctx.staging.get(t.key);
  if (choice !== current && staged && !staged.cs.isEmpty) {
    throw new InvalidArgumentError(`${imageLabel(t.imageUri)} has ${staged.cs.summary().length} staged change(s) made in its ${NAMESPACE_LABEL[current]} tree; repack or discard them before switching to ${NAMESPACE_LABEL[choice]}`);
  }
  const remembered = ctx.ext.workspaceState.get<Record<string, Namespace>>('namespaces', {});
  remembered[t.imageUri.toString()] = choice;
  await ctx.ext.workspaceState.update('namespaces', remembered);
  await ctx.registry.setNamespace(t.key, choice);
  for (const o of ctx.registry.open) if (o.key !== t.key && o.imageUri.toString() === t.imageUri.toString()) await ctx.registry.setNamespace(o.key, choice);
  await vscode.commands.executeCommand('workbench.files.action.refreshFilesExplorer').then(undefined, () => undefined);
  ctx.log.info(`${imageLabel(t.imageUri)}: showing ${NAMESPACE_LABEL[choice]}`);
  return choice;
}

