// One typed error hierarchy for the whole engine. Every error names the image, the structure and
// the byte offset it concerns, so a user (or a script) can see what is wrong and where.

export type IsoErrorCode = 'INVALID_ARGUMENT' | 'CORRUPT_IMAGE' | 'UNSUPPORTED' | 'INTERNAL' | 'NOT_FOUND' | 'UNSAFE_PATH' | 'CANCELLED' | 'LIMIT';

export interface ErrorLocation {
  /** Image file name or URI, when known. */
  image?: string;
  /** Structure being read, e.g. "Primary Volume Descriptor" or "directory record of /boot". */
  structure?: string;
  /** Absolute byte offset in the image. */
  offset?: number;
}

export abstract class IsoError extends Error {
  abstract readonly code: IsoErrorCode;
  readonly image?: string;
  readonly structure?: string;
  readonly offset?: number;
  /** The message without location, as given by the thrower. */
  readonly detail: string;

  constructor(detail: string, where: ErrorLocation = {}) {
    super(formatMessage(detail, where));
    this.detail = detail;
    this.image = where.image;
    this.structure = where.structure;
    this.offset = where.offset;
    this.name = new.target.name;
  }

  /** A copy of this error with the image name filled in (engine code often learns it late). */
  withImage(image: string): IsoError {
    if (this.image) return this;
    // A copy with every own property (subclasses add their own, e.g. EditError.reason), not a
    // re-construction: subclass constructors take different arguments.
    const e = Object.create(Object.getPrototypeOf(this) as object) as IsoError;
    for (const key of Object.getOwnPropertyNames(this)) {
      Object.defineProperty(e, key, Object.getOwnPropertyDescriptor(this, key)!);
    }
    Object.defineProperty(e, 'image', { value: image, enumerable: true });
    Object.defineProperty(e, 'message', { value: formatMessage(this.detail, { image, structure: this.structure, offset: this.offset }), writable: true, configurable: true });
    return e;
  }
}

function formatMessage(detail: string, where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.image) parts.push(where.image);
  if (where.structure) parts.push(where.structure);
  if (where.offset !== undefined) parts.push(`at byte ${where.offset} (0x${where.offset.toString(16)}, LBA ${Math.floor(where.offset / 2048)})`);
  return parts.length ? `${parts.join(': ')}: ${detail}` : detail;
}

/** The caller passed something that cannot work (bad path, bad option). */
export class InvalidArgumentError extends IsoError { readonly code = 'INVALID_ARGUMENT' as const; }
/** A path does not exist in the image. */
export class NotFoundError extends IsoError { readonly code = 'NOT_FOUND' as const; }
/** The image's bytes contradict the specification in a way we cannot read past. */
export class CorruptImageError extends IsoError { readonly code = 'CORRUPT_IMAGE' as const; }
/**
 * A write needs file data the source image does not hold (a truncated or damaged image): each of
 * `files` is "PATH (HAVE of SIZE bytes)". Nothing was written; asking again with allowShort writes
 * zeros in place of the missing bytes.
 */
export class ShortSourceError extends CorruptImageError {
  constructor(detail: string, where: ErrorLocation & { files: string[] }) {
    super(detail, where);
    this.files = where.files;
  }
  readonly files: string[];
}
/** A valid feature this version does not implement. */
export class UnsupportedFeatureError extends IsoError { readonly code = 'UNSUPPORTED' as const; }
/** A write would land outside the chosen folder ("..", absolute names, symlink escapes). */
export class UnsafePathError extends IsoError { readonly code = 'UNSAFE_PATH' as const; }
/** The user cancelled a long operation. */
export class CancelledError extends IsoError { readonly code = 'CANCELLED' as const; }
/**
 * A resource budget (src/engine/limits.ts) would be exceeded: the image asks for more entries,
 * continuation areas or expansion than the engine allows without being told to. `limit` names
 * the budget; the message says how to raise it.
 */
export class LimitExceededError extends IsoError {
  readonly code = 'LIMIT' as const;
  constructor(detail: string, where: ErrorLocation & { limit?: string } = {}) {
    super(detail, where);
    this.limit = where.limit;
  }
  readonly limit?: string;
}
/** A bug in ISO Workbench. */
export class InternalError extends IsoError { readonly code = 'INTERNAL' as const; }

/** A problem found while reading that did not stop the reading (best-effort, like xorriso/7-Zip). */
export interface Diagnostic {
  severity: 'warning' | 'error';
  message: string;
  structure?: string;
  offset?: number;
}

/** Collects diagnostics, bounded so a hostile image cannot grow it without limit. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  private dropped = 0;
  constructor(private readonly max = 1000) {}
  warn(message: string, structure?: string, offset?: number): void {
    this.push({ severity: 'warning', message, structure, offset });
  }
  error(message: string, structure?: string, offset?: number): void {
    this.push({ severity: 'error', message, structure, offset });
  }
  push(d: Diagnostic): void {
    if (this.items.length < this.max) this.items.push(d);
    else this.dropped++;
  }
  get droppedCount(): number { return this.dropped; }
}
