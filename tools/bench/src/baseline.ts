// The bench's side of a baseline server (baseline-server.ts): start it pinned like gim, ask it over IPC.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BaselineAnswer, BaselineAsk, BaselineKind, BaselineRequest } from './baseline-server';
import type { MemorySample } from './gim';
import { Pinning, rssBytes } from './system';

const WORKSPACE = join(__dirname, '../../..');

/** A running baseline server. */
export class Baseline {
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: BaselineAnswer) => void>();

  private constructor(
    readonly kind: BaselineKind,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (answer: BaselineAnswer) => {
      const resolve = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      resolve?.(answer);
    });
  }

  static async start(kind: BaselineKind, pinning: Pinning): Promise<Baseline> {
    const [command = process.execPath, ...prefix] = [...pinning.serverWrapper, process.execPath];
    const child = spawn(
      command,
      [...prefix, '--expose-gc', '-r', '@swc-node/register', join(__dirname, 'baseline-server.ts'), kind],
      {
        cwd: WORKSPACE,
        env: { ...process.env, SWC_NODE_PROJECT: join(WORKSPACE, 'tsconfig.json') },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (answer: BaselineAnswer & { port?: number }) => resolve(answer.port ?? 0));
      child.once('exit', (code) => reject(new Error(`${kind} baseline server exited (${code})`)));
    });
    return new Baseline(kind, child, port);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  ask(request: BaselineAsk): Promise<BaselineAnswer> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...request, id } as BaselineRequest);
    });
  }

  async memory(): Promise<MemorySample> {
    const answer = await this.ask({ type: 'memory' });
    const usage = answer.memory;
    if (!usage) throw new Error(`${this.kind} baseline server sent no memory figures`);
    return {
      rss: rssBytes(this.pid),
      heapUsed: usage.heapUsed,
      heapTotal: usage.heapTotal,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
    };
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
