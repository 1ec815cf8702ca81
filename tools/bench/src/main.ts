// `npm run bench -- <scenario> [options]`: starts gim (and the peers it is compared with) pinned to one core,
// drives it from another, prints a table and writes every figure to a JSON file. See tools/bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { stopEverything } from './cleanup';
import { recentGimLogs } from './gim';
import { Options, parseOptions } from './options';
import { burstTable, runBurst } from './scenarios/burst';
import { directTable, runDirect } from './scenarios/direct';
import { groupTable, runGroup } from './scenarios/group';
import { memoryTable, runMemory } from './scenarios/memory';
import { roomTable, runRoom } from './scenarios/room';
import { machine, pinCores } from './system';
import { progress } from './util';

const WORKSPACE = resolve(__dirname, '../../..');

/** The commit measured and how many files differ from it (uncommitted changes are measured too). */
function sourceState(): { commit: string; changedFiles: number } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: WORKSPACE, encoding: 'utf8' }).stdout ?? '';
  return {
    commit: git(['rev-parse', '--short', 'HEAD']).trim() || 'unknown',
    changedFiles: git(['status', '--porcelain'])
      .split('\n')
      .filter((line) => line.trim() !== '').length,
  };
}

interface Outcome {
  result: unknown;
  table: string;
}

async function runScenario(options: Options, pinning: ReturnType<typeof pinCores>): Promise<Outcome> {
  switch (options.scenario) {
    case 'memory': {
      const result = await runMemory(options.mode, pinning, options);
      return { result, table: memoryTable(result) };
    }
    case 'burst': {
      const result = await runBurst(options.mode, pinning, options);
      return { result, table: burstTable(result) };
    }
    case 'direct': {
      const result = await runDirect(options.mode, pinning, options);
      return { result, table: directTable(result) };
    }
    case 'group': {
      const result = await runGroup(options.mode, pinning, options);
      return { result, table: groupTable(result) };
    }
    case 'room': {
      const result = await runRoom(options.mode, pinning, options);
      return { result, table: roomTable(result) };
    }
  }
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 64;
  }
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  const host = machine();
  const source = sourceState();
  const pinning = pinCores(options.pin);
  if (pinning.serverCore === undefined) progress(`warning: ${pinning.note}`);
  const external =
    options.mode === 'cluster'
      ? 'MariaDB and Redis are already running and are not pinned: they share the cores with everything else'
      : undefined;
  const header = [
    `command:  ${command}`,
    `machine:  ${host.cpuModel}, ${host.cores} cores, ${host.memoryGiB} GiB, node ${host.node}, ${host.platform}, kernel ${host.kernel}`,
    `source:   commit ${source.commit}${source.changedFiles > 0 ? ` + ${source.changedFiles} changed files` : ''}`,
    `load avg: ${host.loadAverageAtStart.join(' ')} (1/5/15 min) at start`,
    `pinning:  ${pinning.note}${external ? `\nnote:     ${external}` : ''}`,
  ].join('\n');
  console.log(header);

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: stopping everything the bench started`);
    void stopEverything().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever escapes a scenario still stops the servers, drops the database and deletes the keys.
  const onCrash = (error: unknown) => {
    if (interrupted) return;
    interrupted = true;
    console.error('bench failed:', error);
    void stopEverything().then(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const started = new Date();
  try {
    const outcome = await runScenario(options, pinning);
    const loadAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);
    const out = resolve(
      options.out ??
        join(
          WORKSPACE,
          'tmp/bench',
          `${options.scenario}-${started.toISOString().replace(/[:.]/g, '-')}.json`,
        ),
    );
    mkdirSync(dirname(out), { recursive: true });
    const record = {
      scenario: options.scenario,
      command,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: host,
      source,
      loadAverageAtEnd: loadAtEnd,
      pinning,
      externalServices: external,
      options,
      result: outcome.result,
    };
    writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`\n${outcome.table}\n`);
    console.log(`load avg at end: ${loadAtEnd.join(' ')}`);
    console.log(`figures: ${relative(process.cwd(), out) || out}`);
    return 0;
  } catch (error) {
    if (!interrupted) {
      console.error('bench failed:', error);
      const logs = recentGimLogs().trim();
      if (logs) console.error(`recent gim output:\n${logs.slice(-5_000)}`);
    }
    return 1;
  } finally {
    await stopEverything();
  }
}

void main().then((code) => process.exit(code));
