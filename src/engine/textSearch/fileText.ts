// Reading one file's contents as text, for a text search (searchText.ts): the first 8 KiB decide
// the encoding (a UTF-16 LE/BE byte-order mark, else UTF-8; a UTF-8 BOM is dropped) and whether
// the file is binary (a NUL in them); later, a NUL stops the text at the line holding it. Bytes
// arrive in chunks of any size and are decoded as a stream.
import { TextDecoder } from 'node:util';

const BINARY_SNIFF = 8 * 1024;

/** Decodes one file's chunks and passes the text on. */
export class FileTextDecoder {
  private decoder: TextDecoder | null = null;
  private utf16 = false;
  private head: Buffer[] = [];
  private headLen = 0;
  /** A NUL in the first 8 KiB: the file is binary and no text was passed on. */
  binary = false;
  /** A NUL after the first 8 KiB: the text before it was passed on, nothing after it. */
  sawNul = false;

  /**
   * `feed`: takes decoded text, false to stop. `onText`: the file was found to be text (once,
   * before its first text is fed).
   */
  constructor(private readonly feed: (text: string) => boolean, private readonly onText: () => void) {}

  /** Takes the next chunk of the file; false when the rest need not be read. */
  push(chunk: Uint8Array): boolean {
    if (this.decoder) return this.decodeAndFeed(chunk);
    this.head.push(Buffer.from(chunk));
    this.headLen += chunk.length;
    return this.headLen >= BINARY_SNIFF ? this.start() : true;
  }

  /** At the end of the file: decides a file shorter than the sniff window (or empty); false when there is nothing more to feed. */
  endHead(): boolean {
    return this.decoder ? true : this.start();
  }

  /** Feeds what the decoder still holds (after endHead); the result of `feed`. */
  flush(): boolean {
    return this.feed(this.decoder!.decode());
  }

  private start(): boolean {
    const first = Buffer.concat(this.head, this.headLen);
    this.head = [];
    let enc = 'utf-8';
    if (first.length >= 2 && first[0] === 0xff && first[1] === 0xfe) enc = 'utf-16le';
    else if (first.length >= 2 && first[0] === 0xfe && first[1] === 0xff) enc = 'utf-16be';
    this.utf16 = enc !== 'utf-8';
    // The BOM is dropped by the decoder (ignoreBOM false), so columns start after it.
    this.decoder = new TextDecoder(enc);
    if (this.utf16) {
      const sniff = new TextDecoder(enc).decode(first.subarray(0, BINARY_SNIFF));
      if (sniff.includes('\0')) { this.binary = true; return false; }
    } else if (first.subarray(0, BINARY_SNIFF).indexOf(0) >= 0) {
      this.binary = true;
      return false;
    }
    this.onText();
    return this.decodeAndFeed(first);
  }

  /** Decodes bytes and feeds them; stops at a NUL (that line and the rest are not fed). */
  private decodeAndFeed(bytes: Uint8Array): boolean {
    const decoder = this.decoder!;
    if (!this.utf16) {
      const nul = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(0);
      if (nul >= 0) {
        this.feed(decoder.decode(bytes.subarray(0, nul), { stream: true }));
        this.sawNul = true;
        return false;
      }
      return this.feed(decoder.decode(bytes, { stream: true }));
    }
    const text = decoder.decode(bytes, { stream: true });
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      this.feed(text.slice(0, nul));
      this.sawNul = true;
      return false;
    }
    return this.feed(text);
  }
}
