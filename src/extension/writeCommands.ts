// ISO: Repack Image… and ISO: Create Image from Folder… — front ends of the engine's writer
// (src/engine/write: repack, buildImage). The writer writes a temp file beside the output, fsyncs,
// verifies and renames; on failure or cancel it leaves nothing behind. These commands only choose
// the output and options, show progress with cancel, and report.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, InvalidArgumentError, ShortSourceError } from '../engine/errors';
import type { BuildOptions, Layout, WriteProgress, WriteResult } from '../engine/write/api';
import { buildImage, defaultVolumeId } from '../engine/write/build';
import { imageFileBeside, sameHostPath } from '../engine/hostPaths';
import { repack } from '../engine/write/repack';
import type { StagingManager } from '../provider/staging';
import { command, IMAGE_EXTENSIONS, imageLabel, resolveTarget, type Ctx } from './context';
import { humanSize } from './report';
import { noticeText, plainText } from '../provider/escape';
import type { StagedElement } from './stagedChangesUi';

export interface RepackCommandOptions {
  /** Output file (skips the dialogs). */
  output?: string;
  /** Replace the image itself (skips the dialogs and the confirmation). */
  replaceOriginal?: boolean;
  layout?: Layout;
  /** Keep `<image>.bak` after replacing the original. */
  keepBackup?: boolean;
  /** Don't show the completion notification (scripts, tests). */
  quiet?: boolean;
  /** An image with a UDF bridge: write ISO 9660 only (skips the confirmation). */
  dropUdf?: boolean;
  /**
   * A truncated source: write the files it does not fully hold with zeros in place of the missing
   * bytes (skips the confirmation; without it the repack stops with the list of files).
   */
  allowShort?: boolean;
}

export interface BuildCommandOptions {
  output?: string;
  volumeId?: string;
  joliet?: boolean;
  rock?: boolean;
  isoLevel?: 1 | 2 | 3 | 4;
  md5?: boolean;
  /** Boot options; when any of the three is given (null = none), the boot quick pick is skipped. */
  biosBoot?: string | null;
  efiBoot?: string | null;
  hybrid?: 'mbr' | 'gpt' | null;
  quiet?: boolean;
}

/** Files in a folder that look like boot images, by kind (paths relative to the folder, '/'-separated). */
const BIOS_BOOT = ['isolinux/isolinux.bin', 'boot/isolinux/isolinux.bin', 'syslinux/isolinux.bin', 'boot/grub/i386-pc/eltorito.img'];
const EFI_BOOT = ['boot/grub/efi.img', 'efi.img', 'boot/efi.img', 'efiboot.img', 'EFI/BOOT/efiboot.img', 'EFI/efiboot.img', 'images/efiboot.img', 'isolinux/efiboot.img', 'boot/grub/efiboot.img'];

export function registerWriteCommands(ctx: Ctx, staging: StagingManager): vscode.Disposable[] {
  return [
    command(ctx, 'isoWorkbench.repack', (arg?: unknown, opts?: RepackCommandOptions) => repackCommand(ctx, staging, arg, opts)),
    command(ctx, 'isoWorkbench.createImageFromFolder', (arg?: vscode.Uri, opts?: BuildCommandOptions) => buildCommand(ctx, arg, opts)),
  ];
}

function localFile(uri: vscode.Uri): string | null {
  if (uri.scheme === 'file') return uri.fsPath;
  if (uri.scheme === 'vscode-remote' && fs.existsSync(uri.fsPath)) return uri.fsPath;
  return null;
}

function progressReporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (p: WriteProgress) => void {
  let last = 0;
  return p => {
    const now = Date.now();
    if (now - last < 100 && p.done < p.total) return;
    last = now;
    const pct = p.total > 0 ? ` ${Math.min(100, Math.floor((p.done / p.total) * 100))}%` : '';
    progress.report({ message: `${noticeText(p.phase)}${pct}${p.total > 0 ? ` (${humanSize(p.done)} of ${humanSize(p.total)})` : ''}` });
  };
}

async function repackCommand(ctx: Ctx, staging: StagingManager, arg?: unknown, opts: RepackCommandOptions = {}): Promise<WriteResult | undefined> {
  const el = arg as StagedElement | undefined;
  const uriArg = el && typeof el === 'object' && 'imageUri' in el && 'key' in el ? el.imageUri : arg;
  const t = await resolveTarget(ctx, uriArg, 'repack', { nested: true });
  if (!t) return undefined;
  const lease = await ctx.registry.acquire(t.key);
  try {
    const source = lease.localPath;
    if (!source) throw new InvalidArgumentError(`${imageLabel(t.imageUri)} is not a file on this machine's disk (${t.imageUri.scheme === 'isowb' ? 'it is inside another image: extract it first' : `it is on a ${t.imageUri.scheme}: file system`}); repacking writes beside the image`);
    const staged = staging.get(t.key);
    const changes = staged && !staged.cs.isEmpty ? staged.cs : null;
    const image = changes ? changes.image : lease.image;
    let output = opts.output ? nodePath.resolve(opts.output) : undefined;
    let replace = opts.replaceOriginal === true;
    if (replace) output = source;
    if (!output) {
      const chosen = await chooseRepackOutput(t.imageUri, source, changes?.summary().length ?? 0);
      if (!chosen) return undefined;
      ({ output, replace } = chosen);
    }
    if (sameHostPath(output, source) && !replace) {
      throw new InvalidArgumentError(`${output} is the image itself: choose "Replace the Original" (replaceOriginal) to write over it`);
    }
    const layout = opts.layout ?? vscode.workspace.getConfiguration('isoWorkbench.repack').get<Layout>('layout', 'preserve');
    // UDF is not written: never drop it silently.
    let dropUdf = opts.dropUdf ?? false;
    if (image.udf && !dropUdf) {
      const go = await vscode.window.showWarningMessage(`${noticeText(imageLabel(t.imageUri))} has a UDF bridge, and ISO Workbench cannot write UDF yet.`, {
        modal: true, detail: 'Repacking writes an image with ISO 9660 (and Joliet / Rock Ridge) only: Windows and macOS read those too, but anything that reads the UDF tree would no longer find it. The original is not changed.',
      }, 'Write Without UDF');
      if (go !== 'Write Without UDF') return undefined;
      dropUdf = true;
    }
    await staging.beginRepack(t.key);
    let ok = false;
    const t0 = Date.now();
    let result: WriteResult;
    const run = (allowShort: boolean) => vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, cancellable: true, title: `Repacking ${noticeText(imageLabel(t.imageUri))}`,
    }, async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      try {
        return await repack(image, changes, {
          output: output!, replaceOriginal: replace, keepBackup: opts.keepBackup, layout, dropUdf, allowShort, signal: ac.signal, onProgress: progressReporter(progress),
        });
      } catch (e) {
        if (ac.signal.aborted) throw new CancelledError(`repacking ${imageLabel(t.imageUri)} cancelled; nothing was written`);
        throw e;
      } finally {
        sub.dispose();
      }
    });
    try {
      try {
        result = await run(opts.allowShort ?? false);
      } catch (e) {
        // A truncated source: never written as silent zeros; the user decides, knowing which files.
        if (!(e instanceof ShortSourceError) || opts.allowShort !== undefined) throw e;
        const list = e.files.slice(0, 8).join('\n') + (e.files.length > 8 ? `\n… and ${e.files.length - 8} more` : '');
        const go = await vscode.window.showWarningMessage(`${noticeText(imageLabel(t.imageUri))} is truncated or damaged: ${e.files.length} file${e.files.length === 1 ? '' : 's'} lie partly beyond its end. Nothing was written.`, {
          modal: true, detail: `${noticeText(list)}\n\nRepack anyway with zeros in place of the missing bytes? Each such file is listed in the log.`,
        }, 'Write with Zeros');
        if (go !== 'Write with Zeros') throw e;
        result = await run(true);
      }
      ok = true;
    } finally {
      await staging.endRepack(t.key, ok);
    }
    reportRepack(ctx, imageLabel(t.imageUri), changes ? changes.summary().length : 0, result, (Date.now() - t0) / 1000, opts.quiet === true);
    return result;
  } finally {
    lease.release();
  }
}

/** Asks where the repacked image goes: a new file (save dialog) or over the original (confirmed). */
async function chooseRepackOutput(imageUri: vscode.Uri, source: string, n: number): Promise<{ output: string; replace: boolean } | undefined> {
  const choice = await vscode.window.showQuickPick([
    { label: '$(new-file) Save as a New Image…', detail: `Writes ${nodePath.basename(source, nodePath.extname(source))}-repacked${nodePath.extname(source) || '.iso'} (or a name you choose); the image stays as it is.`, replace: false },
    { label: '$(replace) Replace the Original', detail: `Writes the new image over ${nodePath.basename(source)} (a backup is kept until the new one is verified).`, replace: true },
  ], { title: plainText(`Repack ${imageLabel(imageUri)}${n ? ` with ${n} staged change${n === 1 ? '' : 's'}` : ' (no staged changes)'}`), placeHolder: 'Where to write the repacked image' });
  if (!choice) return undefined;
  if (choice.replace) {
    const go = await vscode.window.showWarningMessage(`Replace ${noticeText(nodePath.basename(source))} with the repacked image?`, {
      modal: true, detail: `${noticeText(source)} is kept as a backup until the new image is written and verified, then removed. The staged changes are cleared after a successful repack.`,
    }, 'Replace');
    if (go !== 'Replace') return undefined;
    return { output: source, replace: true };
  } else {
    const ext = nodePath.extname(source) || '.iso';
    const picked = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(nodePath.join(nodePath.dirname(source), `${nodePath.basename(source, nodePath.extname(source))}-repacked${ext}`)),
      filters: { 'Disc images': IMAGE_EXTENSIONS, 'All files': ['*'] }, saveLabel: 'Repack', title: plainText(`Repack ${imageLabel(imageUri)} to`),
    });
    if (!picked) return undefined;
    const p = localFile(picked);
    if (!p) throw new InvalidArgumentError(`the repacked image must go to this machine's disk; ${picked.toString(true)} is on a ${picked.scheme}: file system`);
    return { output: p, replace: false };
  }
}

/** Logs the repack's summary, notes and warnings, and (unless quiet) shows the summary with Open / Reveal. */
function reportRepack(ctx: Ctx, label: string, changes: number, result: WriteResult, secs: number, quiet: boolean): void {
  const what = changes ? `${changes} staged change(s)` : 'no changes';
  const summary = `Repacked ${label} with ${what} to ${result.output} (${humanSize(result.size)}, ${result.layout} layout, ${humanSize(result.bytesCopied)} copied, ${humanSize(result.bytesWritten)} written) in ${secs.toFixed(1)} s`;
  ctx.log.info(summary);
  for (const n of result.notes) ctx.log.info(`repack: ${n}`);
  for (const w of result.warnings) ctx.log.warn(`repack: ${w}`);
  if (quiet) return;
  const notes = result.notes.length ? ` — ${result.notes.join('; ')}` : '';
  const warned = result.warnings.length > 0;
  const text = warned
    ? `${noticeText(summary)} — ${result.warnings.length} source entr${result.warnings.length === 1 ? 'y was' : 'ies were'} not written as ${result.warnings.length === 1 ? 'it was' : 'they were'} (left out or zero-filled); the log names each.`
    : noticeText(`${summary}${notes}.`);
  const buttons = warned ? ['Show Log', 'Open', 'Reveal'] : ['Open', 'Reveal'];
  void (warned ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(text, ...buttons).then(b => {
    if (b === 'Show Log') ctx.log.channel.show();
    else if (b === 'Open') void vscode.commands.executeCommand('isoWorkbench.openAsFolder', vscode.Uri.file(result.output));
    else if (b === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.output));
  });
}

/** Boot images found in a folder, for the boot quick pick. */
export function bootCandidates(dir: string): { bios: string[]; efi: string[] } {
  const has = (rel: string) => { try { return fs.statSync(nodePath.join(dir, ...rel.split('/'))).isFile(); } catch { return false; } };
  return { bios: BIOS_BOOT.filter(has), efi: EFI_BOOT.filter(has) };
}

async function buildCommand(ctx: Ctx, arg?: vscode.Uri, opts: BuildCommandOptions = {}): Promise<WriteResult | undefined> {
  let folder = arg instanceof vscode.Uri ? arg : undefined;
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Create Image', title: 'Folder to make a disc image of' });
    if (!picked?.[0]) return undefined;
    folder = picked[0];
  }
  const dir = localFile(folder);
  if (!dir) throw new InvalidArgumentError(`Create Image from Folder needs a folder on this machine's disk; ${folder.toString(true)} is on a ${folder.scheme}: file system`);
  if (!fs.statSync(dir).isDirectory()) throw new InvalidArgumentError(`${dir} is not a folder`);
  let output = opts.output ? nodePath.resolve(opts.output) : undefined;
  if (!output) {
    const picked = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(imageFileBeside(dir)), filters: { 'Disc images': ['iso'], 'All files': ['*'] }, saveLabel: 'Create', title: plainText(`Create an image of ${nodePath.basename(dir) || dir}`),
    });
    if (!picked) return undefined;
    const p = localFile(picked);
    if (!p) throw new InvalidArgumentError(`the image must go to this machine's disk; ${picked.toString(true)} is on a ${picked.scheme}: file system`);
    output = p;
  }
  let volumeId = opts.volumeId;
  if (volumeId === undefined) {
    volumeId = await vscode.window.showInputBox({
      title: 'Volume ID', value: defaultVolumeId(dir), prompt: 'The name the disc shows when mounted: up to 32 characters A–Z, 0–9, _',
      validateInput: v => (/^[A-Z0-9_]{1,32}$/.test(v) ? undefined : 'Up to 32 characters A–Z, 0–9 and _ (ISO 9660 d-characters)'),
    });
    if (volumeId === undefined) return undefined;
  }
  const cfg = vscode.workspace.getConfiguration('isoWorkbench.build');
  const build: BuildOptions = {
    output, volumeId,
    joliet: opts.joliet ?? cfg.get<boolean>('joliet', true),
    rock: opts.rock ?? cfg.get<boolean>('rock', true),
    isoLevel: opts.isoLevel ?? cfg.get<1 | 2 | 3 | 4>('isoLevel', 3),
    md5: opts.md5 ?? cfg.get<boolean>('md5', false),
  };
  if ('biosBoot' in opts || 'efiBoot' in opts || 'hybrid' in opts) {
    if (opts.biosBoot) build.biosBoot = opts.biosBoot;
    if (opts.efiBoot) build.efiBoot = opts.efiBoot;
    if (opts.hybrid) build.hybrid = opts.hybrid;
  } else {
    if (!await pickBootOptions(dir, output, build)) return undefined;
  }
  const t0 = Date.now();
  const result = await vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, cancellable: true, title: `Creating ${noticeText(nodePath.basename(output))}`,
  }, async (progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      return await buildImage(dir, { ...build, signal: ac.signal, onProgress: progressReporter(progress) });
    } catch (e) {
      if (ac.signal.aborted) throw new CancelledError(`creating ${output} cancelled; nothing was written`);
      throw e;
    } finally {
      sub.dispose();
    }
  });
  reportBuild(ctx, dir, volumeId, build, result, (Date.now() - t0) / 1000, opts.quiet === true);
  return result;
}

/** Offers the boot images found in the folder (and a hybrid for USB sticks); false when the user backs out. */
async function pickBootOptions(dir: string, output: string, build: BuildOptions): Promise<boolean> {
  const found = bootCandidates(dir);
  if (found.bios.length + found.efi.length > 0) {
    type Item = vscode.QuickPickItem & { bios?: string; efi?: string; hybrid?: true };
    const items: Item[] = [
      ...found.bios.map((p, i): Item => ({ label: `$(chip) BIOS boot: ${p}`, description: 'El Torito, no emulation', picked: i === 0, bios: p })),
      ...found.efi.map((p, i): Item => ({ label: `$(chip) UEFI boot: ${p}`, description: 'El Torito EFI entry (FAT image)', picked: i === 0, efi: p })),
      { label: '$(plug) Bootable from a USB stick too', description: found.efi.length ? 'hybrid GPT (protective MBR + GPT with the EFI partition)' : 'hybrid MBR (isohybrid)', picked: true, hybrid: true },
    ];
    const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, title: plainText(`Boot options for ${nodePath.basename(output)}`), placeHolder: 'Boot images found in the folder — uncheck all for a data disc' });
    if (!chosen) return false;
    const bios = chosen.find(c => c.bios)?.bios;
    const efi = chosen.find(c => c.efi)?.efi;
    if (bios) build.biosBoot = bios;
    if (efi) build.efiBoot = efi;
    if ((bios || efi) && chosen.some(c => c.hybrid)) build.hybrid = efi ? 'gpt' : 'mbr';
  }
  return true;
}

/** Logs what was built and (unless quiet) shows it with Open / Reveal. */
function reportBuild(ctx: Ctx, dir: string, volumeId: string, build: BuildOptions, result: WriteResult, secs: number, quiet: boolean): void {
  const boot = [build.biosBoot && 'BIOS', build.efiBoot && 'UEFI', build.hybrid && `hybrid ${build.hybrid.toUpperCase()}`].filter(Boolean).join(' + ');
  const summary = `Created ${result.output} from ${dir} (${humanSize(result.size)}, volume ${volumeId}${boot ? `, ${boot} boot` : ''}) in ${secs.toFixed(1)} s`;
  ctx.log.info(summary);
  for (const n of result.notes) ctx.log.info(`build: ${n}`);
  if (quiet) return;
  void vscode.window.showInformationMessage(noticeText(`${summary}${result.notes.length ? ` — ${result.notes.join('; ')}` : ''}.`), 'Open', 'Reveal').then(b => {
    if (b === 'Open') void vscode.commands.executeCommand('isoWorkbench.openAsFolder', vscode.Uri.file(result.output));
    else if (b === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.output));
  });
}
