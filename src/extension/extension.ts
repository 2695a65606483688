// Activation: the shared image registry, the isowb: file system, commands, status bar,
// decorations and the info documents. Returns an API object (used by the integration tests and
// open to other extensions).
import * as vscode from 'vscode';
import type { Namespace } from '../engine/types';
import { IsoFileSystemProvider } from '../provider/fileSystemProvider';
import { defaultStagingDir, defaultTempDir, ImageRegistry } from '../provider/registry';
import { StagingManager } from '../provider/staging';
import { StagingStore } from '../provider/stagingStore';
import { SCHEME } from '../provider/uri';
import { registerCommands } from './commands';
import type { Ctx } from './context';
import { INFO_SCHEME, InfoDocuments } from './info';
import { noticeText } from '../provider/escape';
import { OutputLogger } from './log';
import { activePicker } from './pickers';
import { registerWriteCommands } from './writeCommands';
import { registerSectorCommands, SectorEditorProvider } from './sectorEditor/customEditorProvider';
import { registerStagingCommands, restoreOffer, StagedChangesView, StagingDecorations } from './stagedChangesUi';
import { BootDecorations, ImageStatusBar } from './ui';

export interface IsoWorkbenchApi {
  readonly scheme: string;
  /** `isowb://…` URI of a path inside an image. */
  uriOf(imageUri: vscode.Uri, innerPath?: string, session?: number): vscode.Uri;
  /** The image URI and inner path of an `isowb://…` URI. */
  parse(uri: vscode.Uri): { image: vscode.Uri; path: string; session?: number };
  readonly registry: ImageRegistry;
  readonly provider: IsoFileSystemProvider;
  readonly decorations: BootDecorations;
  readonly statusBar: vscode.StatusBarItem;
  /** Error messages shown to the user, as they are shown. */
  readonly onDidShowError: vscode.Event<string>;
  /** The quick pick a Browse / Go to File / Search command is showing, if any. */
  activePicker: typeof activePicker;
  /** The sector editor (custom editor for image bytes). */
  readonly sectorEditor: SectorEditorProvider;
  /** Staged edits: change sets per image, their saved state, the restore offers. */
  readonly staging: StagingManager;
  /** A/M decorations of staged entries (and the deletion count on an image root). */
  readonly stagingDecorations: StagingDecorations;
  /** The Staged Image Changes view. */
  readonly stagedChangesView: StagedChangesView;
}

export function activate(ext: vscode.ExtensionContext): IsoWorkbenchApi {
  const log = new OutputLogger();
  const config = () => vscode.workspace.getConfiguration('isoWorkbench');
  const registry = new ImageRegistry({
    log,
    tempDir: defaultTempDir(ext.globalStorageUri),
    idleCloseMs: () => Math.max(0, config().get<number>('idleCloseSeconds', 60)) * 1000,
    namespaceFor: image => {
      const remembered = ext.workspaceState.get<Record<string, Namespace>>('namespaces', {})[image];
      const setting = config().get<string>('namespace', 'auto');
      return remembered ?? (setting === 'auto' ? undefined : (setting as Namespace));
    },
    limits: () => {
      const l = config();
      const n = (key: string): number | undefined => {
        const v = l.get<number>(key);
        return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
      };
      return { expansionRatio: n('limits.expansionRatio'), entriesPerDirectory: n('limits.entriesPerDirectory'), entriesPerWalk: n('limits.entriesPerWalk') };
    },
  });
  // Staged edits live in the extension's global storage (they belong to the image, whichever
  // window opens it) and survive reloads and crashes.
  const store = new StagingStore(defaultStagingDir(ext.globalStorageUri));
  const staging = new StagingManager(registry, store, {
    log,
    offer: restoreOffer,
    warn: (message, ...actions) => vscode.window.showWarningMessage(`ISO Workbench: ${noticeText(message)}`, ...actions),
  });
  const provider = new IsoFileSystemProvider(registry, log, () => Math.max(1, config().get<number>('maxReadFileMiB', 512)) * 1024 * 1024, staging);
  const errors = new vscode.EventEmitter<string>();
  const ctx: Ctx = { ext, registry, provider, staging, log, errors };
  const info = new InfoDocuments(ctx);
  const decorations = new BootDecorations(ctx);
  const status = new ImageStatusBar(ctx);
  const stagingDecorations = new StagingDecorations(staging);
  const stagedChangesView = new StagedChangesView(staging);

  // VS Code's stable API has no streaming reads for extension file systems (open/read/close is the
  // proposed "fsChunks" API), so VS Code gets the whole-file methods; the streaming ones serve
  // the extension itself (extraction, images inside images, the sector editor). Writes are staged.
  const stable: vscode.FileSystemProvider = {
    onDidChangeFile: provider.onDidChangeFile,
    watch: () => provider.watch(),
    stat: uri => provider.stat(uri),
    readDirectory: uri => provider.readDirectory(uri),
    readFile: uri => provider.readFile(uri),
    writeFile: (uri, content, options) => provider.writeFile(uri, content, options),
    createDirectory: uri => provider.createDirectory(uri),
    delete: (uri, options) => provider.delete(uri, options),
    rename: (oldUri, newUri, options) => provider.rename(oldUri, newUri, options),
    copy: (source, destination, options) => provider.copy(source, destination, options),
  };
  ext.subscriptions.push(
    // (disposing staging keeps the saved staged changes on disk: they are offered again next time)
    log, staging, registry, provider, errors, info, decorations, status, stagingDecorations, stagedChangesView,
    vscode.workspace.registerFileSystemProvider(SCHEME, stable, IsoFileSystemProvider.options),
    vscode.workspace.registerTextDocumentContentProvider(INFO_SCHEME, info),
    vscode.languages.registerDocumentLinkProvider({ scheme: INFO_SCHEME }, info),
    vscode.window.registerFileDecorationProvider(decorations),
    vscode.window.registerFileDecorationProvider(stagingDecorations),
    ...registerCommands(ctx),
    ...registerStagingCommands(ctx, staging, stagedChangesView),
    ...registerWriteCommands(ctx, staging),
  );
  const sector = SectorEditorProvider.register(ctx);
  ext.subscriptions.push(...sector.disposables, ...registerSectorCommands(ctx, sector.provider));
  log.info(`ISO Workbench ${String(ext.extension.packageJSON.version)} activated (VS Code ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'} UI, remote: ${vscode.env.remoteName ?? 'none'})`);

  return {
    scheme: SCHEME,
    uriOf: (imageUri, innerPath, session) => ImageRegistry.uriOf(imageUri, innerPath, session),
    parse: uri => { const p = ImageRegistry.parse(uri); return { image: p.image, path: p.path, session: p.session }; },
    registry, provider, decorations, statusBar: status.item,
    onDidShowError: errors.event,
    activePicker,
    sectorEditor: sector.provider,
    staging, stagingDecorations, stagedChangesView,
  };
}

export function deactivate(): void {
  /* everything is disposed through the subscriptions */
}
