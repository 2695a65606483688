// Staged changes in the UI: Explorer decorations (A / M, a count of deletions on the image root),
// the "Staged Image Changes" view, Show Staged Changes (a quick pick; a modified file opens in a
// diff against its original), Discard (everything, or one change), and the restore offer. The
// staged changes themselves (one change set per image, saved on disk) are src/provider/staging.ts.
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import type { ChangeSummary } from '../engine/edit/changeSet';
import { InvalidArgumentError } from '../engine/errors';
import { ORIGINAL_QUERY } from '../provider/fileSystemProvider';
import { ImageRegistry } from '../provider/registry';
import type { Staged, StagingManager } from '../provider/staging';
import type { PersistedState } from '../provider/stagingStore';
import { SCHEME } from '../provider/uri';
import { command, imageLabel, resolveTarget, targetOf, type Ctx } from './context';
import { iconText, noticeText, pickText, plainText } from '../provider/escape';

const KIND_ICON: Record<ChangeSummary['kind'], string> = { added: 'diff-added', modified: 'diff-modified', deleted: 'diff-removed', renamed: 'diff-renamed' };
const KIND_LABEL: Record<ChangeSummary['kind'], string> = { added: 'Added', modified: 'Modified', deleted: 'Deleted', renamed: 'Renamed' };
/** Most staged paths published for `resource in isoWorkbench.stagedResources` menus. */
const MAX_CONTEXT_PATHS = 2000;

/** The restore offer shown when an image with saved staged changes is opened. */
export function restoreOffer(state: PersistedState, label: string): Thenable<'restore' | 'discard' | undefined> {
  const n = state.count;
  return vscode.window.showInformationMessage(
    `${n} staged change${n === 1 ? '' : 's'} for ${noticeText(label)} from ${new Date(state.savedAt).toLocaleString()}: restore ${n === 1 ? 'it' : 'them'}?`,
    'Restore', 'Discard',
  ).then(b => (b === 'Restore' ? 'restore' : b === 'Discard' ? 'discard' : undefined));
}

/** "A" for added, "M" for modified (and renamed) entries; the image root counts deletions. */
export class StagingDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly staging: StagingManager) {
    this.sub = staging.onDidChange(() => this.emitter.fire(undefined));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== SCHEME || uri.query) return undefined;
    let key: string;
    let path: string;
    try { ({ key, path } = ImageRegistry.parse(uri)); } catch { return undefined; }
    const s = this.staging.get(key);
    if (!s) return undefined;
    if (path === '/') {
      const all = s.cs.summary();
      const gone = all.filter(c => c.kind === 'deleted');
      if (all.length === 0) return undefined;
      const tip = `${all.length} staged change${all.length === 1 ? '' : 's'}${gone.length ? `, ${gone.length} deletion${gone.length === 1 ? '' : 's'}: ${gone.slice(0, 5).map(c => plainText(c.path)).join(', ')}${gone.length > 5 ? ', …' : ''}` : ''} — ISO: Show Staged Changes lists them, ISO: Repack Image… writes them`;
      return gone.length ? new vscode.FileDecoration(gone.length > 99 ? '99' : String(gone.length), tip) : new vscode.FileDecoration(undefined, tip);
    }
    const st = s.cs.status(path);
    if (st === 'added') {
      const d = new vscode.FileDecoration('A', 'Staged: added (ISO: Repack Image… writes it into the image)', new vscode.ThemeColor('gitDecoration.addedResourceForeground'));
      d.propagate = true;
      return d;
    }
    if (st === 'modified') {
      const d = new vscode.FileDecoration('M', 'Staged: modified (ISO: Show Staged Changes compares it with the original)', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'));
      d.propagate = true;
      return d;
    }
    return undefined;
  }

  dispose(): void { this.sub.dispose(); this.emitter.dispose(); }
}

export type StagedElement =
  | { kind: 'image'; key: string; imageUri: vscode.Uri }
  | { kind: 'change'; key: string; imageUri: vscode.Uri; change: ChangeSummary };

/** The "Staged Image Changes" view in the Explorer: images with staged changes, and their changes. */
export class StagedChangesView implements vscode.TreeDataProvider<StagedElement>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<StagedElement | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly staging: StagingManager) {
    this.subs.push(staging.onDidChange(() => { this.emitter.fire(undefined); this.updateContext(); }));
    this.updateContext();
  }

  private updateContext(): void {
    const all = this.staging.all.filter(s => !s.cs.isEmpty);
    void vscode.commands.executeCommand('setContext', 'isoWorkbench.hasStagedChanges', all.length > 0);
    const resources: string[] = [];
    for (const s of all) {
      for (const c of s.cs.summary()) {
        if (resources.length >= MAX_CONTEXT_PATHS) break;
        if (c.kind !== 'deleted') resources.push(ImageRegistry.uriOf(s.imageUri, c.path).toString());
      }
    }
    void vscode.commands.executeCommand('setContext', 'isoWorkbench.stagedResources', resources);
  }

  getChildren(el?: StagedElement): StagedElement[] {
    if (!el) return this.staging.all.filter(s => !s.cs.isEmpty).map(s => ({ kind: 'image', key: s.key, imageUri: s.imageUri }));
    if (el.kind !== 'image') return [];
    const s = this.staging.get(el.key);
    return s ? s.cs.summary().map(change => ({ kind: 'change', key: el.key, imageUri: el.imageUri, change })) : [];
  }

  getTreeItem(el: StagedElement): vscode.TreeItem {
    if (el.kind === 'image') {
      const n = this.staging.get(el.key)?.cs.summary().length ?? 0;
      const item = new vscode.TreeItem(plainText(imageLabel(el.imageUri)), vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${n} change${n === 1 ? '' : 's'}`;
      item.tooltip = `${plainText(el.imageUri.scheme === 'file' ? el.imageUri.fsPath : el.imageUri.toString(true))}\nISO: Repack Image… writes the changes into a new image.`;
      item.iconPath = new vscode.ThemeIcon('file-binary');
      item.contextValue = 'isoWorkbench.stagedImage';
      item.id = `image:${el.key}`;
      return item;
    }
    const c = el.change;
    // (tree labels, descriptions and string tooltips are plain text: controls made visible)
    const item = new vscode.TreeItem(plainText(nodePath.posix.basename(c.path) || '/'), vscode.TreeItemCollapsibleState.None);
    const dir = nodePath.posix.dirname(c.path);
    item.description = plainText(`${KIND_LABEL[c.kind]}${c.from ? ` from ${c.from}` : ''} · ${dir}`);
    item.tooltip = plainText(`${c.path}: ${KIND_LABEL[c.kind].toLowerCase()}${c.from ? ` (was ${c.from})` : ''}${c.isDirectory ? ' (folder)' : ''}`);
    item.iconPath = new vscode.ThemeIcon(KIND_ICON[c.kind]);
    item.resourceUri = c.kind === 'deleted' ? originalUri(el.imageUri, c.path) : ImageRegistry.uriOf(el.imageUri, c.path);
    item.contextValue = `isoWorkbench.stagedChange.${c.kind}`;
    item.id = `change:${el.key}:${c.kind}:${c.path}`;
    item.command = { command: 'isoWorkbench.openStagedChange', title: 'Open Change', arguments: [el] };
    return item;
  }

  getParent(el: StagedElement): StagedElement | undefined {
    return el.kind === 'change' ? { kind: 'image', key: el.key, imageUri: el.imageUri } : undefined;
  }

  dispose(): void { this.emitter.dispose(); for (const s of this.subs) s.dispose(); }
}

/** `isowb://…/path?original`: the image's own content of a path, read-only. */
export function originalUri(imageUri: vscode.Uri, path: string): vscode.Uri {
  return ImageRegistry.uriOf(imageUri, path).with({ query: ORIGINAL_QUERY });
}

export interface OpenedChange {
  /** The original (left) side of a diff, or the original of a deleted file. */
  left?: vscode.Uri;
  /** The staged side. */
  right?: vscode.Uri;
}

/** Opens a change: a modified or renamed file in a diff (original ↔ staged), an added file, a deleted file's original. */
export async function openChange(imageUri: vscode.Uri, c: ChangeSummary): Promise<OpenedChange> {
  const current = ImageRegistry.uriOf(imageUri, c.path);
  const name = nodePath.posix.basename(c.path);
  if (c.isDirectory) {
    if (c.kind === 'deleted') {
      void vscode.window.showInformationMessage(noticeText(`${c.path} (a folder) is deleted in the staged changes of ${imageLabel(imageUri)}.`));
      return { left: originalUri(imageUri, c.path) };
    }
    await vscode.commands.executeCommand('revealInExplorer', current).then(undefined, () => undefined);
    return { right: current };
  }
  if (c.kind === 'added') {
    await vscode.commands.executeCommand('vscode.open', current);
    return { right: current };
  }
  if (c.kind === 'deleted') {
    const left = originalUri(imageUri, c.path);
    await vscode.commands.executeCommand('vscode.open', left, {}, `${iconText(name)} (deleted)`);
    return { left };
  }
  const left = originalUri(imageUri, c.from ?? c.path);
  // (an editor title: shown as text, but VS Code also puts it where icons render)
  const title = iconText(c.from && c.from !== c.path ? `${nodePath.posix.basename(c.from)} (original) ↔ ${name} (staged)` : `${name} (original ↔ staged)`);
  await vscode.commands.executeCommand('vscode.diff', left, current, title);
  return { left, right: current };
}

function isElement(x: unknown): x is StagedElement {
  return typeof x === 'object' && x !== null && 'key' in x && 'imageUri' in x && ((x as StagedElement).kind === 'image' || (x as StagedElement).kind === 'change');
}

export interface ShowStagedOptions {
  /** Open the change at this path (skips the quick pick). */
  path?: string;
}

export interface DiscardOptions {
  /** false: no confirmation (scripts, tests). */
  confirm?: boolean;
}

/** The staged image an argument names (a view element, an image URI), else the only one, else the user's pick. */
async function stagedFor(ctx: Ctx, staging: StagingManager, arg: unknown, purpose: string): Promise<Staged | undefined> {
  if (isElement(arg)) return staging.get(arg.key);
  if (arg instanceof vscode.Uri || typeof arg === 'string') {
    const t = await resolveTarget(ctx, arg, purpose);
    return t ? staging.get(t.key) : undefined;
  }
  const all = staging.all.filter(s => !s.cs.isEmpty);
  if (all.length <= 1) return all[0];
  const pick = await vscode.window.showQuickPick(all.map(s => ({ label: `$(file-binary) ${iconText(imageLabel(s.imageUri))}`, description: `${s.cs.summary().length} changes`, s })), { placeHolder: `Image to ${purpose}` });
  return pick?.s;
}

/** Show Staged Changes: a pick of the image's changes (each with a discard button); opens the chosen one. */
async function showStaged(ctx: Ctx, staging: StagingManager, arg?: unknown, opts: ShowStagedOptions = {}): Promise<OpenedChange | undefined> {
  const s = await stagedFor(ctx, staging, arg, 'show the staged changes of');
  if (!s || s.cs.isEmpty) {
    void vscode.window.showInformationMessage('No staged changes. Edit files of a mounted image (save, new file, delete, rename, paste) to stage changes.');
    return undefined;
  }
  if (opts.path !== undefined) {
    const c = s.cs.summary().find(x => x.path === opts.path || x.from === opts.path);
    if (!c) throw new InvalidArgumentError(`no staged change at ${opts.path} in ${imageLabel(s.imageUri)}`);
    return openChange(s.imageUri, c);
  }
  return pickStagedChange(staging, s);
}

/** The quick pick of one image's staged changes: discard buttons refill it; accepting opens the change. */
function pickStagedChange(staging: StagingManager, s: Staged): Promise<OpenedChange | undefined> {
  const discardButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('discard'), tooltip: 'Discard This Change' };
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { change: ChangeSummary }>();
  const fill = () => {
    qp.items = (staging.get(s.key)?.cs.summary() ?? []).map(change => ({
      label: `$(${KIND_ICON[change.kind]}) ${iconText(change.path)}`,
      description: pickText(`${KIND_LABEL[change.kind]}${change.isDirectory ? ' folder' : ''}${change.from ? ` from ${change.from}` : ''}`),
      buttons: [discardButton], change,
    }));
  };
  fill();
  qp.title = plainText(`Staged changes of ${imageLabel(s.imageUri)}`);
  qp.placeholder = 'Select a change to open it (modified files open in a diff with the original)';
  qp.matchOnDescription = true;
  return new Promise<OpenedChange | undefined>(resolve => {
    let done = false;
    qp.onDidTriggerItemButton(async e => {
      try {
        await staging.revert(s.key, e.item.change.path);
      } catch (err) {
        void vscode.window.showErrorMessage(`ISO Workbench: ${noticeText((err as Error).message)}`);
      }
      fill();
      if (qp.items.length === 0) qp.hide();
    });
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      done = true;
      qp.hide();
      if (item) openChange(s.imageUri, item.change).then(resolve, () => resolve(undefined));
      else resolve(undefined);
    });
    qp.onDidHide(() => { qp.dispose(); if (!done) resolve(undefined); });
    qp.show();
  });
}

/** Discard Staged Changes of an image (in memory, or only saved on disk), after confirming. */
async function discardAll(ctx: Ctx, staging: StagingManager, arg?: unknown, opts: DiscardOptions = {}): Promise<boolean> {
  let target: { key: string; imageUri: vscode.Uri; n: number } | undefined;
  const s = await stagedFor(ctx, staging, arg, 'discard the staged changes of');
  if (s) {
    target = { key: s.key, imageUri: s.imageUri, n: s.cs.summary().length };
  } else if (arg instanceof vscode.Uri || typeof arg === 'string') {
    // Saved changes that are not in memory (not restored, or no longer applicable).
    const t = await resolveTarget(ctx, arg, 'discard the staged changes of');
    const saved = t ? staging.store.load(t.key) : null;
    if (t && saved) target = { key: t.key, imageUri: t.imageUri, n: saved.count };
  }
  if (!target) return false;
  const { n } = target;
  if (opts.confirm !== false) {
    const go = await vscode.window.showWarningMessage(`Discard all ${n} staged change${n === 1 ? '' : 's'} to ${noticeText(imageLabel(target.imageUri))}?`, { modal: true, detail: 'The image file itself was never changed; this drops the staged edits and their contents. It cannot be undone.' }, 'Discard');
    if (go !== 'Discard') return false;
  }
  await staging.discard(target.key);
  return true;
}

/** Discard This Change (from the view or the Explorer), after confirming. */
async function discardOne(staging: StagingManager, arg?: unknown, opts: DiscardOptions = {}): Promise<boolean> {
  let key: string;
  let path: string;
  let imageUri: vscode.Uri;
  if (isElement(arg) && arg.kind === 'change') {
    ({ key, imageUri } = arg);
    path = arg.change.path;
  } else if (arg instanceof vscode.Uri && arg.scheme === SCHEME) {
    const t = targetOf(arg);
    ({ key, path, imageUri } = t);
  } else {
    throw new InvalidArgumentError('Discard This Change needs a staged file (from the Explorer or the Staged Image Changes view)');
  }
  if (opts.confirm !== false) {
    const go = await vscode.window.showWarningMessage(`Discard the staged change to ${noticeText(path)} in ${noticeText(imageLabel(imageUri))}?`, { modal: true }, 'Discard');
    if (go !== 'Discard') return false;
  }
  await staging.revert(key, path);
  return true;
}

export function registerStagingCommands(ctx: Ctx, staging: StagingManager, view: StagedChangesView): vscode.Disposable[] {
  // Discard, restore and revert change what any folder of the image shows: the provider reports
  // the root changed; the Explorer also re-reads its expanded folders.
  let refresh: NodeJS.Timeout | undefined;
  const onReset = staging.onDidChange(ev => {
    if (!ev.reset) return;
    if (refresh) clearTimeout(refresh);
    refresh = setTimeout(() => {
      refresh = undefined;
      void vscode.commands.executeCommand('workbench.files.action.refreshFilesExplorer').then(undefined, () => undefined);
    }, 100);
  });

  return [
    onReset,
    { dispose: () => { if (refresh) clearTimeout(refresh); } },
    command(ctx, 'isoWorkbench.showStagedChanges', (arg?: unknown, opts?: ShowStagedOptions) => showStaged(ctx, staging, arg, opts)),
    command(ctx, 'isoWorkbench.openStagedChange', async (el: StagedElement) => (el?.kind === 'change' ? openChange(el.imageUri, el.change) : undefined)),
    command(ctx, 'isoWorkbench.discardStagedChanges', (arg?: unknown, opts?: DiscardOptions) => discardAll(ctx, staging, arg, opts)),
    command(ctx, 'isoWorkbench.discardStagedChange', (arg?: unknown, opts?: DiscardOptions) => discardOne(staging, arg, opts)),
    vscode.window.createTreeView('isoWorkbench.stagedChanges', { treeDataProvider: view, showCollapseAll: true }),
  ];
}
