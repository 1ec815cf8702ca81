import { ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, tempDir, TempDir } from '@gim/testing';

const READY = 'Ready to accept connections';

/**
 * A redis-server of a test's own, without persistence, so that the test may lose its data on purpose
 * (FLUSHALL, a kill and restart) without touching the shared Redis. Needs `redis-server` on the PATH.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    /** The port it listens on, the same across restarts. */
    readonly port: number,
    private readonly dir: TempDir,
  ) {}

  /** Starts one on a free port of 127.0.0.1. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), await tempDir('e2e-redis'));
    try {
      await server.launch();
    } catch (error) {
      await server.dir.remove();
      throw error;
    }
    return server;
  }

  /** redis:// address of the server. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Deletes every key, as an operator's FLUSHALL would. */
  async flushAll(): Promise<void> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  /** Kills the server (SIGKILL, so nothing is saved) and starts an empty one on the same port. */
  async killAndRestart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.launch();
  }

  /** Kills the server (SIGKILL) and leaves it down until `restart`. */
  async crash(): Promise<void> {
    await this.kill('SIGKILL');
  }

  /** Starts an empty server again on the same port after `crash`. */
  async restart(): Promise<void> {
    await this.launch();
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    await this.dir.remove();
  }

  /** The server's recent output, for assertion messages. */
  logs(): string {
    return this.output;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', [...args, '--dir', this.dir.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('redis-server did not get ready in 10 s')), 10_000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(new Error(`${error.message}\n${this.output}`));
      };
      const keep = (chunk: Buffer): void => {
        this.output = (this.output + chunk.toString()).slice(-10_000);
        if (this.output.includes(READY, this.output.length - chunk.length - READY.length)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`redis-server exited (${code ?? signal})`)));
    });
  }

  private async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
