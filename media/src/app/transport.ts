// The webview's end of the connection to the extension host, and the only module that talks to
// VS Code (through ui/vscode.ts: acquireVsCodeApi, postMessage, the stored state). It speaks the
// protocol of src/shared/sectorProtocol.ts (the host's end is src/extension/sectorEditor/
// sectorPanel.ts), numbers requests, keeps the bookkeeping of its own requests — ranged reads
// for copies beyond the byte cache, `expand` answers that are still wanted, `locate` requests in
// flight — and hands every other host message to the app.

import type { HostMessage, SearchQuery, WebviewMessage } from '../../../src/shared/sectorProtocol';
import { hex0x } from '../model/notation';
import { Host, type StoredState } from '../ui/vscode';

export type { StoredState };

/** A ranged read asks for at most this much at a time. */
const READ_CHUNK = 1024 * 1024;

/** One chunk of a ranged read: [offset, offset + length) into out at offset - base. */
interface RangeRead { base: number; offset: number; length: number; got: number; out: Uint8Array; resolve(): void; reject(e: Error): void }

export class Transport {
  private reqId = 1;
  private searchId = 1;
  private readonly rangeReads = new Map<number, RangeRead>();
  private readonly childReqs = new Map<number, string>();
  private readonly locateReqs = new Map<number, number>();

  constructor(private readonly host = new Host()) {}

  /** Host messages that are not answers to the transport's own requests go to handler. */
  listen(handler: (m: HostMessage) => void): void {
    this.host.onMessage((m) => {
      if (m.type === 'bytes') {
        const rr = this.rangeReads.get(m.reqId);
        if (rr) {
          this.rangeReads.delete(m.reqId);
          this.rangeChunk(rr, m.offset, m.data);
          return;
        }
      } else if (m.type === 'children') {
        if (this.childReqs.get(m.reqId) !== m.id) return;
        this.childReqs.delete(m.reqId);
      } else if (m.type === 'located') {
        this.locateReqs.delete(m.reqId);
      }
      handler(m);
    });
  }

  /** Script errors in the page go to the host's log. */
  reportErrors(): void {
    window.addEventListener('error', (e) => this.post({ type: 'error', message: `webview: ${e.message}` }));
    window.addEventListener('unhandledrejection', (e) => this.post({ type: 'error', message: `webview: ${String(e.reason)}` }));
  }

  post(m: WebviewMessage): void {
    this.host.post(m);
  }

  stored(): StoredState | null {
    return this.host.getState();
  }

  store(s: StoredState): void {
    this.host.setState(s);
  }

  /** Asks for [offset, offset + length) (a block of the byte cache); returns the request's id. */
  read(offset: number, length: number): number {
    const reqId = this.reqId++;
    this.post({ type: 'read', reqId, offset, length });
    return reqId;
  }

  /** Reads [offset, offset + length) in chunks, as the host has it (for copies beyond the cache). */
  readRange(offset: number, length: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const out = new Uint8Array(length);
      let pending = 0;
      let failed = false;
      for (let o = 0; o < length; o += READ_CHUNK) {
        pending++;
        const part: RangeRead = {
          base: offset, offset: offset + o, length: Math.min(READ_CHUNK, length - o), got: 0, out,
          resolve: () => { if (--pending === 0 && !failed) resolve(out); },
          reject: (e) => { if (!failed) { failed = true; reject(e); } },
        };
        this.sendRangeRead(part);
      }
    });
  }

  private sendRangeRead(part: RangeRead): void {
    const reqId = this.reqId++;
    this.rangeReads.set(reqId, part);
    this.post({ type: 'read', reqId, offset: part.offset + part.got, length: part.length - part.got });
  }

  private rangeChunk(part: RangeRead, offset: number, data: Uint8Array): void {
    if (offset !== part.offset + part.got) { part.reject(new Error('unexpected read answer')); return; }
    part.out.set(data.subarray(0, part.length - part.got), offset - part.base);
    part.got += data.length;
    if (part.got >= part.length) part.resolve();
    else if (data.length === 0) part.reject(new Error(`could not read at ${hex0x(offset)}`));
    else this.sendRangeRead(part);
  }

  /** Asks for a lazy structure's children (an answer to no such request is dropped). */
  expand(id: string): void {
    const reqId = this.reqId++;
    this.childReqs.set(reqId, id);
    this.post({ type: 'expand', reqId, id });
  }

  /** Asks where an offset lies (once while a request for it is in flight). */
  locate(offset: number): void {
    for (const o of this.locateReqs.values()) if (o === offset) return;
    const reqId = this.reqId++;
    this.locateReqs.set(reqId, offset);
    this.post({ type: 'locate', reqId, offset });
  }

  /** Starts a search; returns its id (for its progress, its end and cancelling it). */
  search(query: SearchQuery): number {
    const searchId = this.searchId++;
    this.post({ type: 'search', searchId, query });
    return searchId;
  }
}
