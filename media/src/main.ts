// The sector editor webview's entry point (bundled by esbuild to dist/webview/sector.js; the CLI's
// entry point is the unrelated src/cli/main.ts): the app (app/app.ts) on the page's #app element,
// connected to the extension host through app/transport.ts.

import { App } from './app/app';
import { Transport } from './app/transport';

const root = document.getElementById('app');
if (root) new App(root, new Transport());
