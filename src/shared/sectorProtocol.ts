// The sector editor's messages between the extension host (src/extension/sectorEditor) and the
// webview (media/src). Both sides import this file; nothing else crosses the boundary.
// Byte payloads travel as Uint8Array (VS Code transfers typed arrays without JSON-encoding them).
// Every string that comes from the image (names, identifiers, decoded values) is data: the
// webview only ever puts it into the page with textContent / attribute setters, never as HTML.

import { SECTOR_SIZE, SYSTEM_AREA_SECTORS } from '../engine/bytes/sector';
import type { Field, FieldKind, Structure } from '../engine/structure/fields';

/** A field of a structure, as the engine's structure map decodes it (src/engine/structure/fields.ts), without the JSON value. */
export type FieldInfo = Omit<Field, 'value'>;
export type FieldKindName = FieldKind;

/**
 * A node of the structure panel: the engine's Structure (src/engine/structure/fields.ts) as it
 * crosses to the webview — fields without their JSON value, children as nodes, no `expand` (the
 * host keeps it and answers `expand` messages), plus the panel's own flags.
 */
export interface StructNode extends Omit<Structure, 'fields' | 'children' | 'expand'> {
  fields: FieldInfo[];
  children: StructNode[];
  /** Children are not sent yet: ask with `expand` (directories below the root). */
  lazy?: boolean;
  /** A checksum/CRC of this structure does not match and the host can recompute it (`fix`). */
  fixable?: string;
}

/** Where an offset lies: the file whose data covers it, else the innermost structure, else free space. */
export type Location =
  | { kind: 'file'; path: string; fileOffset: number }
  | { kind: 'structure'; id: string; name: string }
  | { kind: 'system-area' }
  | { kind: 'unallocated' }
  | { kind: 'beyond-volume' };

export interface DocInfo {
  /** Display name (file name of the image). */
  name: string;
  /** The image URI as a string (shown in tooltips). */
  uri: string;
  size: number;
  /** False for images inside other images and read-only files: edits are refused. */
  editable: boolean;
  readonlyReason?: string;
  /** The engine opened the image as ISO 9660; false for raw disks and unreadable data. */
  decoded: boolean;
  /** Why the image could not be decoded, when it could not (the engine's error message). */
  decodeError?: string;
  /** Logical block size of the volume (2048 for every ISO 9660 image seen in practice). */
  blockSize: number;
  /** Volume space size in blocks, when decoded. */
  volumeBlocks?: number;
}

/** What the webview keeps across reloads (vscode.setState) and hands back in `ready`. */
export interface ViewState {
  topOffset: number;
  cursor: number;
  anchor: number;
  sectorMode: boolean;
  panels: { structures: boolean; inspector: boolean; search: boolean };
  littleEndian: boolean;
}

export type SearchKind = 'hex' | 'ascii' | 'utf16le' | 'utf16be';

export interface SearchQuery {
  kind: SearchKind;
  /** Hex digits (spaces allowed, `??` wildcard byte) or text. */
  pattern: string;
  /** Text searches only (ASCII letters fold). */
  caseSensitive: boolean;
  /** Start offset; the search wraps around to it. */
  from: number;
}

export interface SearchHit {
  offset: number;
  length: number;
  lba: number;
  location: Location;
  /** The bytes around the hit for display, as hex, starting at max(0, offset - 8). */
  context: string;
}

// ---- host → webview ---------------------------------------------------------------------------

export type HostMessage =
  | { type: 'init'; doc: DocInfo; state: ViewState | null; generation: number }
  /** An answer to `read`; reqId -1: bytes the host pushes unasked (the first screen, right after `init`). */
  | { type: 'bytes'; reqId: number; offset: number; data: Uint8Array; generation: number;
      /** Ranges of this block that differ from the file on disk (unsaved edits): absolute [start, end) offsets. */
      edited: Array<[number, number]> }
  | { type: 'structures'; generation: number; roots: StructNode[] }
  | { type: 'children'; reqId: number; id: string; children: StructNode[]; error?: string }
  /** The bytes changed (edit, undo, redo, revert, file changed on disk): drop cached blocks in ranges. */
  | { type: 'changed'; generation: number; size: number; dirty: boolean; ranges: Array<[number, number]> }
  /** Scroll to and select a range (command palette "Go to…", a structure link, a search hit). */
  | { type: 'reveal'; offset: number; length: number }
  /** The host asks the webview to run one of its commands (keybindings are contributed by the host). */
  | { type: 'command'; name: WebviewCommand }
  | { type: 'located'; reqId: number; offset: number; location: Location }
  | { type: 'searchProgress'; searchId: number; scanned: number; total: number; hits: SearchHit[] }
  | { type: 'searchDone'; searchId: number; cancelled: boolean; truncated: boolean; error?: string; count: number }
  | { type: 'editRejected'; reason: string }
  | { type: 'error'; message: string };

export type WebviewCommand = 'goto' | 'find' | 'toggleSectorMode' | 'copyHex' | 'copyText' | 'copyBase64' | 'copyCArray' | 'focusStructures';

// ---- webview → host ---------------------------------------------------------------------------

export type WebviewMessage =
  | { type: 'ready' }
  /** Request bytes; the host answers with `bytes` (possibly shorter at the end of the image). */
  | { type: 'read'; reqId: number; offset: number; length: number }
  /** Overwrite bytes at offset (never changes the size). One message = one undo step. */
  | { type: 'edit'; offset: number; data: Uint8Array; label: string }
  | { type: 'expand'; reqId: number; id: string }
  /** Open the file a structure points to (through the image's workspace-folder URI). */
  | { type: 'openTarget'; path?: string; lba?: number }
  | { type: 'search'; searchId: number; query: SearchQuery }
  | { type: 'cancelSearch'; searchId: number }
  /** Recompute the checksum/CRC of a structure (`StructNode.fixable`); one undo step. */
  | { type: 'fix'; id: string }
  | { type: 'locate'; reqId: number; offset: number }
  | { type: 'copy'; text: string; what: string }
  | { type: 'state'; state: ViewState }
  /** The cursor moved: the host shows offset/LBA in the status bar. */
  | { type: 'cursor'; offset: number; selectionLength: number }
  /** Timings for the benchmark and logs: ms since the webview script started, and Date.now(). */
  | { type: 'perf'; what: 'firstPaint' | 'reveal' | 'scroll'; ms: number; at: number; offset: number }
  | { type: 'error'; message: string };

/** The engine's sector size and system area, for the webview (which imports nothing else of the engine). */
export { SECTOR_SIZE };
export const SYSTEM_AREA_END = SYSTEM_AREA_SECTORS * SECTOR_SIZE;
