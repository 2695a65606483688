// Activation: the shared image registry, the isowb: file system, commands, status bar,
// decorations and the info documents. Returns an API object (used by the integration tests and
// open to other extensions).
import * as vscode from 'vscode';
import type { Namespace } from '../engine/types';
import { IsoFileSystemProvider } from '../provider/fileSystemProvider';
import { defaultTempDir, ImageRegistry } from '../provider/registry';
import { SCHEME } from '../provider/uri';
import { registerCommands } from './commands';
import type { Ctx } from './context';
import { INFO_SCHEME, InfoDocuments } from './info';
import { OutputLogger } from './log';
import { activePicker } from './pickers';
import { registerSectorCommands, SectorEditorProvider } from './sectorEditor/provider';
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
  });
  const provider = new IsoFileSystemProvider(registry, log, () => Math.max(1, config().get<number>('maxReadFileMiB', 512)) * 1024 * 1024);
  const errors = new vscode.EventEmitter<string>();
  const ctx: Ctx = { ext, registry, provider, log, errors };
  const info = new InfoDocuments(ctx);
  const decorations = new BootDecorations(ctx);
  const status = new ImageStatusBar(ctx);

  // VS Code's stable API has no streaming reads for extension file systems (open/read/close is the
  // proposed "fsChunks" API), so VS Code gets the whole-file methods; the streaming ones serve
  // the extension itself (extraction, images inside images, the sector editor).
  const stable: vscode.FileSystemProvider = {
    onDidChangeFile: provider.onDidChangeFile,
    watch: () => provider.watch(),
    stat: uri => provider.stat(uri),
    readDirectory: uri => provider.readDirectory(uri),
    readFile: uri => provider.readFile(uri),
    writeFile: uri => provider.writeFile(uri),
    createDirectory: uri => provider.createDirectory(uri),
    delete: uri => provider.delete(uri),
    rename: uri => provider.rename(uri),
  };
  ext.subscriptions.push(
    log, registry, provider, errors, info, decorations, status,
    vscode.workspace.registerFileSystemProvider(SCHEME, stable, IsoFileSystemProvider.options),
    vscode.workspace.registerTextDocumentContentProvider(INFO_SCHEME, info),
    vscode.languages.registerDocumentLinkProvider({ scheme: INFO_SCHEME }, info),
    vscode.window.registerFileDecorationProvider(decorations),
    ...registerCommands(ctx),
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
  };
}

export function deactivate(): void {
  /* everything is disposed through the subscriptions */
}
