import 'reflect-metadata';
import { validateSync, ValidationError } from 'class-validator';

/** Thrown at boot when environment variables are missing or invalid; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function coerce(raw: string, type: unknown): unknown {
  if (type === Number) {
    const trimmed = raw.trim();
    return trimmed === '' ? Number.NaN : Number(trimmed);
  }
  if (type === Boolean) {
    const lowered = raw.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(lowered)) return true;
    if (['false', '0', 'no'].includes(lowered)) return false;
    return raw;
  }
  return raw;
}

/** How a bad value is shown: secrets hidden, passwords inside URLs masked, NaN as NaN. */
function shown(property: string, value: unknown): string {
  if (/SECRET|PASSWORD|TOKEN/.test(property)) return '(hidden)';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(
    typeof value === 'string' ? value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@') : value,
  );
}

function describe(error: ValidationError): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}: ${reasons} (got ${shown(error.property, error.value)})`;
}

/**
 * Builds a config object whose property names are environment variable names: defaults come from the
 * class's initializers, values from `env` (coerced by the property's declared type), then class-validator
 * checks every property and a ConfigError lists all the problems at once.
 */
export function loadConfig<T extends object>(cls: new () => T, env: Env = process.env): T {
  const config = new cls();
  const target = config as Record<string, unknown>;
  for (const key of Object.keys(target)) {
    const raw = env[key];
    if (raw === undefined) continue;
    target[key] = coerce(raw, Reflect.getMetadata('design:type', config, key));
  }
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(errors.map(describe));
  return Object.freeze(config);
}
