// The structure map of any image the sector editor opens: an ISO 9660 image (with whatever
// hybrid MBR/GPT/APM, El Torito and UDF bridge it carries), or — when the ISO 9660 reader cannot
// open it (pure UDF from mkudffs, a raw disk, a floppy image, a damaged image) — still its
// system area (MBR/GPT/APM) and UDF structures, with the reason ISO 9660 decoding failed.
import { DiagnosticSink, IsoError, type Diagnostic } from './errors';
import { DiscImage } from './image';
import { readIntoAny, type ByteSource } from './io/source';
import type { Structure } from './structure/fields';
import { readSystemArea } from './systemarea/index';
import { readUdf } from './udf/index';

/** A view of `src` whose close() leaves src open (DiscImage closes the source it is given). */
function borrow(src: ByteSource): ByteSource {
  return {
    name: src.name,
    get size() { return src.size; },
    read: (o, l) => src.read(o, l),
    readInto: (o, t) => readIntoAny(src, o, t),
    close: async () => undefined,
  };
}

export interface StructureMap {
  structures: Structure[];
  /** True when anything was decoded: the image opened as ISO 9660, or system-area / UDF structures were found. */
  decoded: boolean;
  /** Why ISO 9660 decoding failed (the engine's message), when it did. */
  error?: string;
  /** The opened image (its diagnostics hold the problems found), or null when ISO 9660 decoding failed. */
  image: DiscImage | null;
  /** Problems found while decoding (the image's diagnostics when it opened). */
  diagnostics: Diagnostic[];
}

/**
 * Opens the source as a DiscImage when possible (structures() of it); otherwise still decodes
 * the system area (MBR/GPT/APM via readSystemArea) and UDF, and reports why ISO 9660 decoding
 * failed. Never throws for bad data (only for I/O errors). Does not close src, and neither does
 * closing the returned image (it reads src through a non-owning view).
 */
export async function mapStructures(src: ByteSource): Promise<StructureMap> {
  let error: string;
  try {
    const image = await DiscImage.open(borrow(src));
    const structures = await image.structures();
    return { structures, decoded: true, image, diagnostics: image.warnings };
  } catch (e) {
    if (!(e instanceof IsoError)) throw e;
    error = e.message;
  }
  const sink = new DiagnosticSink();
  const structures: Structure[] = [];
  const guarded = async (f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      if (!(e instanceof IsoError)) throw e;
      sink.error(e.detail, e.structure, e.offset);
    }
  };
  await guarded(async () => { structures.push(...(await readSystemArea(src, sink)).structures); });
  await guarded(async () => {
    const u = await readUdf(src, sink);
    if (u) structures.push(...u.structures);
  });
  structures.sort((a, b) => a.offset - b.offset);
  return { structures, decoded: structures.length > 0, error, image: null, diagnostics: sink.items };
}
