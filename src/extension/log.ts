// The "ISO Workbench" output channel with a level from the isoWorkbench.logLevel setting.
// Messages quote names from images: control characters are made visible (logText), and a line
// break continues the entry indented, so a name cannot forge a log line.
import * as vscode from 'vscode';
import type { Logger } from '../provider/registry';
import { logText } from '../provider/escape';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LEVELS)[number];

export class OutputLogger implements Logger, vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('ISO Workbench');
  private level: Level = 'info';
  private readonly sub: vscode.Disposable;

  constructor() {
    this.read();
    this.sub = vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('isoWorkbench.logLevel')) this.read(); });
  }

  private read(): void {
    const v = vscode.workspace.getConfiguration('isoWorkbench').get<string>('logLevel', 'info');
    this.level = (LEVELS as readonly string[]).includes(v) ? (v as Level) : 'info';
  }

  private write(level: Level, msg: string): void {
    if (LEVELS.indexOf(level) > LEVELS.indexOf(this.level)) return;
    this.channel.appendLine(`${new Date().toISOString()} [${level}] ${logText(msg)}`);
  }

  error(msg: string): void { this.write('error', msg); }
  warn(msg: string): void { this.write('warn', msg); }
  info(msg: string): void { this.write('info', msg); }
  debug(msg: string): void { this.write('debug', msg); }

  dispose(): void { this.sub.dispose(); this.channel.dispose(); }
}
