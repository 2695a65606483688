// Quick-pick UIs over an image: Browse Image (a folder-by-folder tree without mounting), Go to
// File in Image (the Quick Open that VS Code cannot offer for isowb: folders) and Search Text in
// Image (Find in Files for images, streamed, with case/word/regex toggles).
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { CancelledError } from '../engine/errors';
import { listFiles, searchText as engineSearch, type SearchQuery, type SearchResult, type TextMatch } from '../engine/textSearch/searchText';
import { ImageRegistry } from '../provider/registry';
import { describeError, imageLabel, resolveTarget, type Ctx, type Target } from './context';
import { humanSize } from './report';
import { iconText, pickText, plainText } from '../provider/escape';

/** The picker currently shown by one of these commands (tests drive it through the API). */
export interface ActivePicker {
  readonly kind: 'browse' | 'goToFile' | 'searchText';
  readonly quickPick: vscode.QuickPick<vscode.QuickPickItem>;
  /** Accepts an item as if the user pressed Enter on it; resolves when the action finished. */
  accept(item: vscode.QuickPickItem): Promise<void>;
  /** Resolves when the picker's items are complete (listing or search finished). */
  readonly ready: Promise<void>;
}

let active: ActivePicker | undefined;
export function activePicker(): ActivePicker | undefined { return active; }

function track(p: ActivePicker): void {
  active = p;
}

/** Disposes a hidden picker (and forgets it, whichever hide listener runs first). */
function release(qp: vscode.QuickPick<vscode.QuickPickItem>): void {
  if (active?.quickPick === qp) active = undefined;
  qp.dispose();
}

type BrowseItem = vscode.QuickPickItem & { path?: string; isDir?: boolean; up?: boolean };

/** Browse Image: folder-by-folder navigation; Enter on a file opens it (no workspace folder needed). */
export async function browse(ctx: Ctx, arg?: vscode.Uri, startPath?: string): Promise<void> {
  const t = await resolveTarget(ctx, arg, 'browse', { nested: true });
  if (!t) return;
  const qp = vscode.window.createQuickPick<BrowseItem>();
  qp.matchOnDescription = true;
  qp.title = plainText(`Browse ${imageLabel(t.imageUri)}`);
  const extractButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('desktop-download'), tooltip: 'Extract this folder…' };
  const mountButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: 'Open Image as Workspace Folder' };
  qp.buttons = [extractButton, mountButton];
  let dir = startPath ?? (t.path !== '/' ? t.path : '/');
  let resolveReady: () => void = () => undefined;
  let ready = new Promise<void>(r => (resolveReady = r));
  const show = async (path: string): Promise<void> => {
    qp.busy = true;
    qp.value = '';
    try {
      const { node, kids } = await ctx.registry.use(t.key, async img => {
        const n = await img.resolve(path, true);
        if (n.type !== 'dir') return { node: n, kids: [] };
        return { node: n, kids: await img.readdir(n) };
      });
      if (node.type !== 'dir') { await openFile(t, node.path); qp.hide(); return; }
      dir = node.path;
      qp.placeholder = `${plainText(dir)}  —  ${kids.length} entries; Enter opens a file or folder`;
      const items: BrowseItem[] = [];
      if (dir !== '/') items.push({ label: '$(arrow-up) ..', description: pickText(nodePath.posix.dirname(dir)), path: nodePath.posix.dirname(dir), isDir: true, up: true });
      const sorted = [...kids].sort((a, b) => (a.type === 'dir' ? 0 : 1) - (b.type === 'dir' ? 0 : 1) || a.name.localeCompare(b.name));
      for (const k of sorted) {
        const isDir = k.type === 'dir';
        const icon = isDir ? '$(folder)' : k.type === 'symlink' ? '$(file-symlink-file)' : '$(file)';
        items.push({
          label: `${icon} ${iconText(k.name)}`,
          description: isDir ? '' : k.type === 'symlink' ? `→ ${pickText(k.target ?? '')}` : humanSize(k.size),
          detail: undefined, path: k.path, isDir,
        });
      }
      qp.items = items;
    } catch (e) {
      qp.items = [{ label: `$(error) ${iconText(describeError(e))}` }];
    } finally {
      qp.busy = false;
      resolveReady();
    }
  };
  const accept = async (item: BrowseItem): Promise<void> => {
    if (!item.path) return;
    if (item.isDir) {
      ready = new Promise<void>(r => (resolveReady = r));
      await show(item.path);
      return;
    }
    await openFile(t, item.path);
    qp.hide();
  };
  qp.onDidAccept(() => { const item = qp.selectedItems[0] ?? qp.activeItems[0]; if (item) void accept(item); });
  qp.onDidTriggerButton(b => {
    if (b === extractButton) void vscode.commands.executeCommand('isoWorkbench.extract', ImageRegistry.uriOf(t.imageUri, dir));
    else void vscode.commands.executeCommand('isoWorkbench.openAsFolder', t.imageUri);
    qp.hide();
  });
  qp.onDidHide(() => release(qp as vscode.QuickPick<vscode.QuickPickItem>));
  track({ kind: 'browse', quickPick: qp as vscode.QuickPick<vscode.QuickPickItem>, accept: i => accept(i as BrowseItem), get ready() { return ready; } });
  qp.show();
  await show(dir);
}

async function openFile(t: Target, path: string, selection?: vscode.Range): Promise<void> {
  const uri = ImageRegistry.uriOf(t.imageUri, path, ImageRegistry.parse(t.uri).session);
  await vscode.commands.executeCommand('vscode.open', uri, selection ? { selection, preview: true } : { preview: true });
}

type FileItem = vscode.QuickPickItem & { path: string };

/** Go to File in Image: every file path, fuzzy-filtered by VS Code's quick pick. */
export async function goToFile(ctx: Ctx, arg?: vscode.Uri): Promise<void> {
  const t = await resolveTarget(ctx, arg, 'go to a file in');
  if (!t) return;
  const qp = vscode.window.createQuickPick<FileItem>();
  qp.title = plainText(`Go to File in ${imageLabel(t.imageUri)}`);
  qp.placeholder = 'Type to filter by name or folder';
  qp.matchOnDescription = true;
  qp.busy = true;
  const ac = new AbortController();
  qp.onDidHide(() => { ac.abort(); release(qp as vscode.QuickPick<vscode.QuickPickItem>); });
  const items: FileItem[] = [];
  const toItem = (p: string): FileItem => ({ label: iconText(nodePath.posix.basename(p)), description: pickText(nodePath.posix.dirname(p)), path: p });
  const accept = async (item: vscode.QuickPickItem): Promise<void> => {
    const path = (item as FileItem).path;
    if (!path) return;
    await openFile(t, path);
    qp.hide();
  };
  qp.onDidAccept(() => { const item = qp.selectedItems[0] ?? qp.activeItems[0]; if (item) void accept(item); });
  const ready = (async () => {
    try {
      const res = await ctx.registry.use(t.key, img => listFiles(img, {
        path: t.path, signal: ac.signal, max: 500_000,
        onBatch: batch => { for (const p of batch) items.push(toItem(p)); qp.items = items; },
      }));
      if (items.length !== res.paths.length) { items.length = 0; for (const p of res.paths) items.push(toItem(p)); }
      qp.items = items;
      qp.placeholder = `${items.length}${res.truncated ? '+' : ''} files — type to filter by name or folder`;
    } catch (e) {
      if (!(e instanceof CancelledError) && !ac.signal.aborted) qp.items = [{ label: `$(error) ${iconText(describeError(e))}`, path: '' }];
    } finally {
      qp.busy = false;
    }
  })();
  track({ kind: 'goToFile', quickPick: qp as vscode.QuickPick<vscode.QuickPickItem>, accept, ready });
  qp.show();
  await ready;
}

export interface SearchCommandQuery extends SearchQuery {
  /** Restrict to files matching these globs (image paths). */
  include?: string[];
}

type MatchItem = vscode.QuickPickItem & { match?: TextMatch };

/** The quick pick's toggle buttons: case, whole word, regular expression (icon and tooltip say the state). */
function searchButtons(flags: { isCaseSensitive: boolean; isWordMatch: boolean; isRegExp: boolean }): vscode.QuickInputButton[] {
  return [
    { iconPath: new vscode.ThemeIcon(flags.isCaseSensitive ? 'preserve-case' : 'case-sensitive'), tooltip: `Match Case (${flags.isCaseSensitive ? 'on' : 'off'})` },
    { iconPath: new vscode.ThemeIcon(flags.isWordMatch ? 'pass-filled' : 'whole-word'), tooltip: `Match Whole Word (${flags.isWordMatch ? 'on' : 'off'})` },
    { iconPath: new vscode.ThemeIcon(flags.isRegExp ? 'check' : 'regex'), tooltip: `Use Regular Expression (${flags.isRegExp ? 'on' : 'off'})` },
  ];
}

function searchSummary(res: SearchResult): string {
  const files = new Set(res.matches.map(m => m.path)).size;
  return `${res.matches.length}${res.truncated ? '+' : ''} matches in ${files} files (${res.filesSearched} searched, ${res.filesSkippedBinary} binary and ${res.filesSkippedLarge} large skipped)`;
}

/**
 * Search Text in Image: a live search box. Typing searches (debounced, the previous search is
 * cancelled); the buttons toggle case, whole word and regular expression; Enter opens the match.
 * Given a query (scripts, tests) it searches at once and returns the result.
 */
export async function searchText(ctx: Ctx, arg?: vscode.Uri, query?: SearchCommandQuery): Promise<SearchResult | undefined> {
  const t = await resolveTarget(ctx, arg, 'search');
  if (!t) return undefined;
  const maxMiB = vscode.workspace.getConfiguration('isoWorkbench.search').get<number>('maxFileSizeMiB', 16);
  const qp = vscode.window.createQuickPick<MatchItem>();
  qp.title = plainText(`Search Text in ${imageLabel(t.imageUri)}${t.path !== '/' ? ` — ${t.path}` : ''}`);
  qp.placeholder = 'Text to search for (files over isoWorkbench.search.maxFileSizeMiB and binary files are skipped)';
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  const flags = { isCaseSensitive: query?.isCaseSensitive ?? false, isWordMatch: query?.isWordMatch ?? false, isRegExp: query?.isRegExp ?? false };
  const mkButtons = (): vscode.QuickInputButton[] => searchButtons(flags);
  qp.buttons = mkButtons();
  let running: AbortController | undefined;
  let last: SearchResult | undefined;
  let timer: NodeJS.Timeout | undefined;
  let done: () => void = () => undefined;
  let ready = new Promise<void>(r => (done = r));

  let current: string | undefined;
  const run = async (pattern: string): Promise<SearchResult | undefined> => {
    current = pattern;
    running?.abort();
    const ac = new AbortController();
    running = ac;
    if (pattern === '') { qp.items = []; qp.busy = false; done(); return undefined; }
    qp.busy = true;
    const items: MatchItem[] = [];
    let lastPush = 0;
    try {
      const res = await ctx.registry.use(t.key, img => engineSearch(img, { pattern, ...flags }, {
        path: t.path, include: query?.include, maxFileSize: maxMiB * 1024 * 1024, signal: ac.signal,
        onMatch: m => {
          items.push(matchItem(m));
          if (Date.now() - lastPush > 150) { lastPush = Date.now(); qp.items = [...items]; }
        },
      }));
      if (running !== ac) return res;
      last = res;
      qp.items = res.matches.map(matchItem);
      qp.placeholder = searchSummary(res);
      return res;
    } catch (e) {
      if (e instanceof CancelledError || ac.signal.aborted) return undefined;
      qp.items = [{ label: `$(error) ${iconText(describeError(e))}` }];
      return undefined;
    } finally {
      if (running === ac) { qp.busy = false; done(); }
    }
  };
  const rerun = () => {
    ready = new Promise<void>(r => (done = r));
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { void run(qp.value); }, 250);
  };
  // Setting the value programmatically echoes back as a change event: ignore what already runs.
  qp.onDidChangeValue(v => { if (v !== current) rerun(); });
  qp.onDidTriggerButton(b => {
    const i = qp.buttons.indexOf(b);
    if (i === 0) flags.isCaseSensitive = !flags.isCaseSensitive;
    if (i === 1) flags.isWordMatch = !flags.isWordMatch;
    if (i === 2) flags.isRegExp = !flags.isRegExp;
    qp.buttons = mkButtons();
    current = undefined;
    rerun();
  });
  const accept = async (item: vscode.QuickPickItem): Promise<void> => {
    const m = (item as MatchItem).match;
    if (!m) return;
    await openFile(t, m.path, new vscode.Range(m.line, m.column, m.line, m.column + m.length));
  };
  qp.onDidAccept(() => { const item = qp.selectedItems[0] ?? qp.activeItems[0]; if (item) void accept(item); });
  qp.onDidHide(() => { running?.abort(); if (timer) clearTimeout(timer); release(qp as vscode.QuickPick<vscode.QuickPickItem>); });
  track({ kind: 'searchText', quickPick: qp as vscode.QuickPick<vscode.QuickPickItem>, accept, get ready() { return ready; } });
  qp.show();
  if (query?.pattern) {
    qp.value = query.pattern;
    if (timer) clearTimeout(timer);
    return run(query.pattern);
  }
  return last;
}

function matchItem(m: TextMatch): MatchItem {
  const preview = m.preview.replace(/\s+/g, ' ').trim();
  return {
    label: `$(file) ${iconText(nodePath.posix.basename(m.path))}:${m.line + 1}`,
    description: pickText(nodePath.posix.dirname(m.path)),
    detail: pickText(preview),
    // Results are already the answer to the query: the quick pick must not filter them by the
    // query text again (a regular expression does not match itself).
    alwaysShow: true,
    match: m,
  };
}
