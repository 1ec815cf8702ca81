// What the bench reads from the operating system: the machine, core pinning, and per-process figures from /proc.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** The machine a run measured on. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  kernel: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverageAtStart: number[];
}

export function machine(): Machine {
  const list = cpus();
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = 'unknown';
  }
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Where the servers and the load generator run. */
export interface Pinning {
  /** `taskset -c <core>` for server processes; empty when not pinned. */
  serverWrapper: string[];
  serverCore: number | undefined;
  clientCore: number | undefined;
  note: string;
}

/**
 * Pins this process (the load generator) to core 1 and returns the wrapper that starts servers on core 0, when
 * the machine has two cores or more and taskset exists; otherwise nothing is pinned and the note says why.
 */
export function pinCores(enabled: boolean): Pinning {
  const none = (note: string): Pinning => ({
    serverWrapper: [],
    serverCore: undefined,
    clientCore: undefined,
    note,
  });
  if (!enabled) return none('not pinned (--no-pin)');
  if (cpus().length < 2) return none('not pinned: fewer than 2 cores');
  const probe = spawnSync('taskset', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return none('not pinned: taskset (util-linux) not found');
  const pinned = spawnSync('taskset', ['-a', '-c', '-p', '1', String(process.pid)], { encoding: 'utf8' });
  if (pinned.status !== 0) return none(`not pinned: taskset failed (${pinned.stderr.trim()})`);
  return {
    serverWrapper: ['taskset', '-c', '0'],
    serverCore: 0,
    clientCore: 1,
    note: 'server processes on core 0, load generator on core 1',
  };
}

/** Pins a process started without the wrapper (all its threads) to the server core. */
export function pinProcess(pid: number, pinning: Pinning): void {
  if (pinning.serverCore === undefined) return;
  spawnSync('taskset', ['-a', '-c', '-p', String(pinning.serverCore), String(pid)]);
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (usually 100). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM). */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Resident set size now, in bytes. */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** Peak resident set size since the start or since the last resetPeakRss, in bytes. */
export function peakRssBytes(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

/** Resets VmHWM to the current RSS (`5` into /proc/<pid>/clear_refs); false when the kernel refuses. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Write-class system calls (write, writev, sendfile…) the process has made, from /proc/<pid>/io; undefined if unreadable. */
export function writeSyscalls(pid: number): number | undefined {
  try {
    const match = /^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of several processes together. */
export function totalCpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Write syscalls of several processes together; undefined when any is unreadable. */
export function totalWriteSyscalls(pids: number[]): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    const count = writeSyscalls(pid);
    if (count === undefined) return undefined;
    sum += count;
  }
  return sum;
}
