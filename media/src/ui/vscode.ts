// The webview side of the host connection: acquireVsCodeApi() (once), typed postMessage, state.
// Only app/transport.ts uses it.

import type { HostMessage, ViewState, WebviewMessage } from '../../../src/shared/sectorProtocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the webview keeps with vscode.setState: the protocol's ViewState plus layout details. */
export interface StoredState extends ViewState {
  ui?: { leftWidth?: number; rightWidth?: number; offsetDecimal?: boolean; searchKind?: string; searchCase?: boolean };
}

export class Host {
  private readonly api: VsCodeApi;

  constructor() {
    this.api = acquireVsCodeApi();
  }

  post(msg: WebviewMessage): void {
    // Typed arrays travel as they are (VS Code transfers them without JSON-encoding).
    this.api.postMessage(msg);
  }

  onMessage(handler: (msg: HostMessage) => void): void {
    window.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as HostMessage | undefined;
      if (m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string') handler(m);
    });
  }

  getState(): StoredState | null {
    const s = this.api.getState();
    return s && typeof s === 'object' ? (s as StoredState) : null;
  }

  setState(s: StoredState): void {
    this.api.setState(s);
  }
}
