// Plain-text tables for the terminal.

/** Formats rows as an aligned table with a header line; numbers are right-aligned. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? format(cell) : cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[], numeric: boolean[]) =>
    row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join(' | ');
  const numeric = headers.map((_, column) => rows.some((row) => typeof row[column] === 'number'));
  return [
    line(headers, numeric),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...cells.map((row) => line(row, numeric)),
  ].join('\n');
}

function format(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** `a / b` formatted as a ratio such as `0.42×`; `—` when undefined. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

export function kib(bytes: number): number {
  return bytes / 1024;
}

export function mib(bytes: number): number {
  return bytes / 2 ** 20;
}

/** A stated target next to what the run measured; `differs` says how the run's setting is not the target's. */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
  differs: string | undefined;
}

/** One line per goal: the target, the figure, met or not, and whether the run was made in the goal's setting. */
export function goalLines(goals: Goal[]): string[] {
  return goals.map(
    (goal) =>
      `goal: ${goal.goal} — measured ${goal.measured}: ${goal.met ? 'met' : 'not met'}` +
      (goal.differs ? ` (not the goal's setting: ${goal.differs})` : ''),
  );
}
