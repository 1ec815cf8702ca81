import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cachedRoot: string | undefined;

/** The folder holding the .proto files: GIM_PROTO_DIR, or the nearest `proto/` above this module. */
export function protoRoot(): string {
  if (cachedRoot) return cachedRoot;
  const fromEnv = process.env['GIM_PROTO_DIR'];
  if (fromEnv) return (cachedRoot = fromEnv);
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'connect', 'connect.ext.proto'))) return (cachedRoot = candidate);
    if (dirname(dir) === dir) throw new Error('proto/ not found; set GIM_PROTO_DIR');
  }
}

/** Absolute paths of the given proto files (relative to proto/, e.g. 'logic/device.int.proto'). */
export function protoFiles(...relative: string[]): string[] {
  const root = protoRoot();
  return relative.map((file) => join(root, file));
}

/** proto-loader options matching the generated TypeScript: camelCase fields, numeric longs and enums. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
} as const;
