// Command-line options of `npm run bench -- <scenario> [options]`.
import { parseArgs } from 'node:util';
import type { Mode } from './gim';

export const SCENARIOS = ['memory', 'burst', 'direct', 'group', 'room'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  scenario: Scenario;
  mode: Mode;
  pin: boolean;
  baselines: boolean;
  out: string | undefined;
  /** Directory for V8 CPU profiles of every gim process (`--cpu-prof`), or undefined for none. */
  cpuProfDir: string | undefined;
  /** memory */
  connections: number;
  warmup: number;
  settleMs: number;
  /** burst and room */
  clients: number;
  pushes: number;
  steady: boolean;
  /** room */
  priority: boolean;
  /** burst, direct, group and room */
  size: number;
  /** direct */
  pairs: number;
  messages: number | undefined;
  rates: number[];
  /** direct and group */
  durationSeconds: number;
  /** group */
  members: number;
  senders: number;
  rate: number;
}

export const USAGE = `usage: npm run bench -- <memory|burst|direct|group|room> [options]

common:   --mode standalone|cluster (standalone)  --no-pin  --no-baselines  --out <file.json>
          --cpu-prof <dir>  (a V8 CPU profile of every gim process, written there when it stops)
memory:   --connections N (10000)  --warmup W (1000)  --settle-ms MS (2000)
burst:    --clients M (5000)  --pushes P (200)  --size BYTES (100)  --steady
direct:   --pairs K (100)  --size BYTES (100)  --duration S (20)  --rates R1,R2,… (500,1000,2000,5000; "" for none)
          --messages N (closed loop: N messages per sender instead of --duration)
group:    --members N (500)  --senders S (10)  --size BYTES (100)  --duration S (20)  --rate R (20)
room:     --clients M (5000)  --pushes P (200)  --size BYTES (100)  --steady  --priority`;

/** Most members logic accepts in a group (its GIM_GROUP_MAX_MEMBERS may be raised to this). */
export const MAX_GROUP_MEMBERS = 100_000;

function positive(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
}

export function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mode: { type: 'string' },
      'no-pin': { type: 'boolean' },
      'no-baselines': { type: 'boolean' },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      'settle-ms': { type: 'string' },
      clients: { type: 'string' },
      pushes: { type: 'string' },
      steady: { type: 'boolean' },
      priority: { type: 'boolean' },
      members: { type: 'string' },
      senders: { type: 'string' },
      rate: { type: 'string' },
      size: { type: 'string' },
      pairs: { type: 'string' },
      duration: { type: 'string' },
      messages: { type: 'string' },
      rates: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const scenario = positionals[0];
  if (values.help || !SCENARIOS.includes(scenario as Scenario)) throw new Error(USAGE);
  const mode = values.mode ?? 'standalone';
  if (mode !== 'standalone' && mode !== 'cluster') throw new Error('--mode must be standalone or cluster');
  const rates = (values.rates ?? '500,1000,2000,5000')
    .split(',')
    .filter((each) => each.trim() !== '')
    .map((each) => positive('rates', each.trim(), 0));
  const members = positive('members', values.members, 500, 2);
  if (members > MAX_GROUP_MEMBERS) throw new Error(`--members must be at most ${MAX_GROUP_MEMBERS}`);
  const senders = positive('senders', values.senders, 10);
  if (scenario === 'group' && senders > members)
    throw new Error(`--senders (${senders}) must be at most --members (${members})`);
  return {
    scenario: scenario as Scenario,
    mode,
    pin: !values['no-pin'],
    baselines: !values['no-baselines'],
    out: values.out,
    cpuProfDir: values['cpu-prof'],
    connections: positive('connections', values.connections, 10_000),
    warmup: positive('warmup', values.warmup, 1_000),
    settleMs: positive('settle-ms', values['settle-ms'], 2_000, 0),
    clients: positive('clients', values.clients, 5_000),
    pushes: positive('pushes', values.pushes, 200),
    steady: values.steady ?? false,
    priority: values.priority ?? false,
    size: positive('size', values.size, 100, 40),
    pairs: positive('pairs', values.pairs, 100),
    durationSeconds: positive('duration', values.duration, 20),
    messages: values.messages === undefined ? undefined : positive('messages', values.messages, 0),
    rates,
    members,
    senders,
    rate: positive('rate', values.rate, 20),
  };
}
