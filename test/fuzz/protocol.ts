// Messages between the fuzz supervisor (campaign.ts, the parent) and its workers (worker.ts,
// forked children that run mutants in sequence).
import type { Mutation } from './mutate';

/** What the fuzzer runs on each mutant, in this order (the CLI command each one stands for). */
export const OPS = ['info', 'ls', 'structures', 'structureMap', 'extract', 'repack'] as const;
export type Op = (typeof OPS)[number];
export const OP_LABEL: Record<Op, string> = {
  info: 'info --json', ls: 'ls -R --json (every namespace)', structures: 'info --structures + expandStructure',
  structureMap: 'sector editor structure map', extract: 'extract (sandbox)', repack: 'repack (sandbox, verified)',
};

/**
 * internal: an exception that is not a typed engine error (TypeError, RangeError, ERR_*, zlib…),
 * an InternalError, or a stack trace in a message; hang: the time budget ran out; memory: the
 * resident set went over budget; sandbox: a write outside the sandbox, through a symlink, or a
 * changed input image; leftover: a failed or finished write left files behind; crash: the worker
 * died on its own (V8 abort, native crash, exit).
 */
export type FailureKind = 'internal' | 'hang' | 'memory' | 'sandbox' | 'leftover' | 'crash';
export const KIND_LABEL: Record<FailureKind, string> = {
  internal: 'internal error', hang: 'hang (time budget)', memory: 'memory (RSS budget)',
  sandbox: 'sandbox escape / input modified', leftover: 'files left behind', crash: 'worker crash',
};

export interface Failure {
  kind: FailureKind;
  op: Op | 'harness';
  /** Error class (+ code), or a short description for non-exception failures. */
  name: string;
  message: string;
  stack?: string;
  /** First stack frame inside src/ (file:line), the grouping key of internal errors. */
  frame?: string;
}

export interface FixtureRef {
  name: string;
  path: string;
  /** The >4 GiB sparse fixture: mutated through an overlay, metadata operations only. */
  large: boolean;
}

export interface Job {
  id: number;
  fixture: FixtureRef;
  seed: number;
  index: number;
  mutations: Mutation[];
  layout: 'preserve' | 'compact';
  ops: Op[];
  /** Replay of an image file as it is (no fixture, no mutations). */
  image?: string;
  /**
   * Harness self-test (supervisor.test.ts): the worker misbehaves in the first operation instead
   * of running it, to prove the supervisor notices each kind of failure.
   */
  selfTest?: SelfTest;
}

export const SELF_TESTS = ['hang', 'stall', 'memory', 'crash', 'internal', 'stack', 'escape', 'symlink', 'input'] as const;
export type SelfTest = (typeof SELF_TESTS)[number];

export interface OpResult {
  op: Op;
  /** Wall time. */
  ms: number;
  /** CPU time (user + system) of the worker during the operation. */
  cpuMs: number;
  /** ok; refused: a typed engine error (the expected answer to a bad image); failed. */
  outcome: 'ok' | 'refused' | 'failed';
  /** Peak resident set during this operation, KiB (0 where /proc is missing). */
  hwmKb: number;
  detail?: string;
}

export interface MutantReport {
  id: number;
  ms: number;
  hwmKb: number;
  ops: OpResult[];
  failures: Failure[];
}

export type ToParent =
  | { t: 'ready'; pid: number }
  | { t: 'start'; id: number }
  | { t: 'op'; id: number; op: Op }
  | { t: 'end'; report: MutantReport }
  | { t: 'harness'; id: number; message: string };

export type ToChild = { t: 'job'; job: Job };
