/**
 * A Sys (src/system/sys.ts) that records what burrow asks of the system
 * instead of doing it, so that the store, the plan compiler and a
 * container's life run in unit tests without namespaces, koffi or the
 * compiled helper. What it does do is what keeps a store consistent in a
 * single test process: removeTrees removes (the trees are the test's own
 * files here), locks always succeed.
 */
import { rmSync } from 'node:fs';

import type { IdMapping } from '../../src/system/idmap.js';
import type { Plan } from '../../src/system/plan.js';
import type { HelperProcess, Sys } from '../../src/system/sys.js';
import type { UsernsOptions, UsernsProcess } from '../../src/system/userns.js';
import { SUBIDS } from './specs.js';

export type Call =
  | { op: 'flock' | 'tryFlock'; exclusive: boolean }
  | { op: 'randomBytes'; n: number }
  | { op: 'execPlan'; plan: Plan }
  | { op: 'startPlan'; plan: Plan }
  | { op: 'spawnPlan'; plan: Plan }
  | { op: 'startInUserns'; argv: string[]; opts: UsernsOptions | undefined }
  | { op: 'removeTrees'; trees: string[] }
  | { op: 'runHelper'; args: string[] };

/** What execPlan throws: the real one never returns (the helper takes over the process). */
export class PlanExecuted extends Error {
  constructor(readonly plan: Plan) {
    super('FakeSys: the helper would take over this process now');
  }
}

export class FakeSys implements Sys {
  readonly calls: Call[] = [];
  /** the pid startPlan answers */
  readonly helperPid = 2_000_000_000;
  private counter = 0;

  constructor(
    /** the runtime directory it answers (a test's own directory) */
    private readonly planDir: string,
  ) {}

  of<K extends Call['op']>(op: K): Extract<Call, { op: K }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: K }> => c.op === op);
  }

  flock(_fd: number, exclusive: boolean): void {
    this.calls.push({ op: 'flock', exclusive });
  }

  /** the mapping of tests' specs (test/helpers/specs.ts): uid 1000 with 65536 subordinate ids */
  idMapping(): IdMapping {
    return SUBIDS;
  }

  tryFlock(_fd: number, exclusive: boolean): boolean {
    this.calls.push({ op: 'tryFlock', exclusive });
    return true;
  }

  setPipeSize(): void {
    // a pipe's size changes nothing a unit test sees
  }

  pipe(): [number, number] {
    // (commit's packer and unpacker: the integration tests run them)
    throw new Error('FakeSys: no pipes between fake workers');
  }

  /** Counting bytes, so ids are known in advance: 00 01 02 ... for the first call. */
  randomBytes(n: number): Buffer {
    this.calls.push({ op: 'randomBytes', n });
    return Buffer.from(Array.from({ length: n }, () => this.counter++ % 256));
  }

  mknod(): void {
    throw new Error('FakeSys: mknod is the layer worker\'s, not faked');
  }

  lsetxattr(): void {
    throw new Error('FakeSys: lsetxattr is the layer worker\'s, not faked');
  }

  lgetxattr(): Buffer | undefined {
    throw new Error('FakeSys: lgetxattr is the layer worker\'s, not faked');
  }

  openBeneath(): number {
    throw new Error('FakeSys: openBeneath is the layer worker\'s, not faked');
  }

  openInRoot(): number {
    throw new Error('FakeSys: openInRoot reads a running container, not faked');
  }

  async execPlan(plan: Plan): Promise<never> {
    this.calls.push({ op: 'execPlan', plan });
    throw new PlanExecuted(plan);
  }

  async execAttach(): Promise<never> {
    throw new Error('FakeSys: execAttach attaches to a running container, not faked');
  }

  startPlan(plan: Plan): { pid: number; started: Promise<void> } {
    this.calls.push({ op: 'startPlan', plan });
    return { pid: this.helperPid, started: Promise.resolve() };
  }

  spawnPlan(plan: Plan): HelperProcess {
    this.calls.push({ op: 'spawnPlan', plan });
    return { stdin: null, stdout: null, stderr: null, started: Promise.resolve(), done: Promise.resolve(0), kill: () => false };
  }

  /** No process is running here: every pidfd is of a process gone. */
  pidfdOpen(): number | undefined {
    return undefined;
  }

  pidfdSignal(): boolean {
    return false;
  }

  async pidfdWait(): Promise<boolean> {
    return true;
  }

  runtimeDir(): string {
    return this.planDir;
  }

  startInUserns(argv: string[], opts?: UsernsOptions): UsernsProcess {
    this.calls.push({ op: 'startInUserns', argv, opts });
    return { stdin: null, stdout: null, done: Promise.resolve() };
  }

  async removeTrees(trees: string[]): Promise<void> {
    this.calls.push({ op: 'removeTrees', trees });
    for (const tree of trees) rmSync(tree, { recursive: true, force: true });
  }

  async runHelper(args: string[]): Promise<void> {
    this.calls.push({ op: 'runHelper', args });
  }
}
