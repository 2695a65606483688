// The writer's public contract: repack an opened image (with or without staged edits) into a new
// file, or build a new image from a folder. Both write to a temp file beside the output, fsync and
// rename; on any failure or cancel the temp file is removed and nothing else is touched.

/** Progress of a long write: `phase` names the step ("copying", "writing metadata", "verifying"…). */
export interface WriteProgress {
  phase: string;
  /** Bytes done / total in this phase (total 0 when unknown). */
  done: number;
  total: number;
}

export type Layout = 'preserve' | 'compact';

export interface WriteCommonOptions {
  /** Output file. Must not be the source image unless `replaceOriginal` is set. */
  output: string;
  /** Replace an existing `output` (the source image included): the old file is kept as
   *  `<output>.bak` until the new one is verified, then removed unless `keepBackup`. */
  replaceOriginal?: boolean;
  keepBackup?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: WriteProgress) => void;
  /** Re-read and verify the output before reporting success (default true). */
  verify?: boolean;
}

export interface RepackOptions extends WriteCommonOptions {
  /** Default 'preserve' (unchanged data stays at its LBAs; falls back to 'compact' with a note when impossible). */
  layout?: Layout;
  /** The image file (default: the opened image's name, which is its path for DiscImage.openFile). */
  sourcePath?: string;
  /** Write an ISO 9660-only image from a source with a UDF bridge (UDF writing is not supported). */
  dropUdf?: boolean;
  /**
   * Write files whose data the source does not fully hold (a truncated image) with zeros in place
   * of the missing bytes, each noted in the result; without it such a repack is refused.
   */
  allowShort?: boolean;
}

export interface BuildOptions extends WriteCommonOptions {
  volumeId?: string;
  /** Defaults: joliet true, rock true, isoLevel 3. */
  joliet?: boolean;
  rock?: boolean;
  isoLevel?: 1 | 2 | 3 | 4;
  /** Path inside the folder of a no-emulation BIOS boot image (isolinux.bin, eltorito.img). */
  biosBoot?: string;
  /** Path inside the folder of an EFI System Partition image (FAT), for an El Torito EFI entry. */
  efiBoot?: string;
  /** Hybrid system area: 'mbr' (isohybrid-style) or 'gpt' (protective MBR + GPT with an ESP). */
  hybrid?: 'mbr' | 'gpt';
  /** Implant an isomd5sum (checkisomd5) checksum. */
  md5?: boolean;
}

export interface VerifyReport {
  /** Files and directories compared against what was meant to be written. */
  entries: number;
  bootEntries: number;
  partitions: number;
  problems: string[];
}

export interface WriteResult {
  output: string;
  layout: Layout;
  /** Bytes of the output file. */
  size: number;
  /** Bytes copied unchanged from the source (preserve layout: cloned, or copied with holes kept). */
  bytesCopied: number;
  /** Bytes written by us (metadata, new and changed data). */
  bytesWritten: number;
  verify: VerifyReport | null;
  /** Things the user should know (e.g. "UDF bridge not written: …", "backup kept at …"). */
  notes: string[];
  /**
   * Source entries that could not be written as they were: left out (a directory DAG, an entry
   * the source image could not decode) or written with zeros (--allow-short), and the source's
   * read problems. The output is complete otherwise; the CLI exits 1 when there are any.
   */
  warnings: string[];
  ms: number;
}
