// Reads the repository's Dockerfile and replays its steps in folders of this machine, one per build stage, so a
// test can build and run what the image holds without a container engine. The replay knows the instructions the
// Dockerfile uses and refuses any other, so the two cannot drift apart silently.
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';

/** One instruction: its keyword in upper case, the rest of its (joined) lines, and where it starts. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** A build stage: the image (or earlier stage) it starts from, its name, and its instructions. */
export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** A parsed Dockerfile: the ARGs declared before the first FROM, and the stages in order. */
export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits a Dockerfile into global ARGs and stages; comments dropped and continuation lines joined. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && !pending)) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    pending = pending ? { ...pending, text: `${pending.text} ${body}` } : { text: body, line: index + 1 };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    const stage = stages.at(-1);
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = instruction.args.split(/\s+/);
      if (as !== undefined && as.toUpperCase() !== 'AS')
        throw new Error(`line ${instruction.line}: FROM <image> [AS <name>]`);
      stages.push({ from: substitute(from, globalArgs), name: name?.toLowerCase(), instructions: [] });
    } else if (stage) stage.instructions.push(instruction);
    else if (instruction.keyword === 'ARG') Object.assign(globalArgs, assignments(instruction.args));
    else throw new Error(`line ${instruction.line}: only ARG may come before the first FROM`);
  }
  return { globalArgs, stages };
}

/** `KEY=value KEY2="two words"` (ENV, ARG) as a record; an ARG without a value is ''. */
export function assignments(args: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g)) {
    const [, key = '', value = ''] = match;
    result[key] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return result;
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
    const name = (braced ?? bare) as string;
    return vars[name] ?? '';
  });
}

/** A .dockerignore as a predicate over context-relative paths (the last matching pattern decides, `!` re-includes). */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const glob = posix.normalize((negated ? line.slice(1) : line).replace(/^\/+/, ''));
      const source = glob
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => {
          if (part === '**/') return '(?:.*/)?';
          if (part === '**') return '.*';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
    let ignored = false;
    for (const { negated, regex } of patterns)
      if (prefixes.some((prefix) => regex.test(prefix))) ignored = !negated;
    return ignored;
  };
}

/** The final stage as the replay left it: its folder standing for `/`, and the image's settings. */
export interface ReplayedImage {
  /** the folder that stands for the image's `/` */
  root: string;
  /** ENV of the final stage */
  env: Record<string, string>;
  /** WORKDIR of the final stage (an absolute image path) */
  workdir: string;
  /** USER of the final stage, if set */
  user: string | undefined;
  /** ENTRYPOINT in exec form */
  entrypoint: string[];
  /** the image each stage that is not built on another stage starts from */
  baseImages: string[];
}

/** Where the replay reads and writes, and what RUN steps see besides the stage's ARG and ENV. */
export interface ReplayOptions {
  /** the build context (the repository root) */
  context: string;
  /** an empty folder; each stage gets a subfolder standing for its `/` */
  workDir: string;
  /** environment of RUN steps, under the stage's ARG and ENV (PATH, npm settings) */
  env: Record<string, string>;
  /** commands that stand for the packages `apt-get install` names: this machine must already have them */
  aptCommands: Record<string, string>;
}

interface StageState {
  root: string;
  env: Record<string, string>;
  args: Record<string, string>;
  workdir: string;
  user: string | undefined;
  entrypoint: string[];
}

/** Replays every stage of the Dockerfile; RUN steps run with `sh -c` in the stage's WORKDIR folder. */
export async function replayDockerfile(file: Dockerfile, options: ReplayOptions): Promise<ReplayedImage> {
  const isIgnored = dockerignore(await readFile(join(options.context, '.dockerignore'), 'utf8'));
  const done = new Map<string, StageState>();
  const baseImages: string[] = [];
  let state: StageState | undefined;
  for (const [index, stage] of file.stages.entries()) {
    const root = join(options.workDir, `stage-${index}`);
    const parent = done.get(stage.from.toLowerCase());
    if (parent) {
      await cp(parent.root, root, { recursive: true, verbatimSymlinks: true });
      state = { ...parent, root, args: {} };
    } else {
      baseImages.push(stage.from);
      await mkdir(root, { recursive: true });
      state = { root, env: {}, args: {}, workdir: '/', user: undefined, entrypoint: [] };
    }
    for (const instruction of stage.instructions) await replay(instruction, state, done, isIgnored, options);
    done.set(String(index), state);
    if (stage.name) done.set(stage.name, state);
  }
  if (!state) throw new Error('the Dockerfile has no stage');
  const { root, env, workdir, user, entrypoint } = state;
  return { root, env, workdir, user, entrypoint, baseImages };
}

async function replay(
  instruction: Instruction,
  state: StageState,
  stages: Map<string, StageState>,
  isIgnored: (path: string) => boolean,
  options: ReplayOptions,
): Promise<void> {
  const vars = { ...state.args, ...state.env };
  const where = `line ${instruction.line} (${instruction.keyword})`;
  switch (instruction.keyword) {
    case 'ARG':
      for (const [key, value] of Object.entries(assignments(instruction.args)))
        state.args[key] = substitute(value, vars);
      return;
    case 'ENV':
      for (const [key, value] of Object.entries(assignments(instruction.args)))
        state.env[key] = substitute(value, vars);
      return;
    case 'WORKDIR':
      state.workdir = posix.resolve(state.workdir, substitute(instruction.args, vars));
      await mkdir(join(state.root, state.workdir), { recursive: true });
      return;
    case 'USER':
      state.user = substitute(instruction.args, vars);
      return;
    case 'ENTRYPOINT':
      state.entrypoint = execForm(instruction, where);
      return;
    case 'EXPOSE':
    case 'LABEL':
    case 'STOPSIGNAL':
      return;
    case 'COPY':
      return copy(instruction.args, state, stages, isIgnored, options.context, where);
    case 'RUN':
      return run(instruction.args, state, vars, options, where);
    default:
      throw new Error(
        `${where}: the replay does not know ${instruction.keyword}; teach it (apps/e2e/src/deploy)`,
      );
  }
}

function execForm(instruction: Instruction, where: string): string[] {
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string'))
    throw new Error(`${where}: use the exec form, a JSON array of strings`);
  return parsed;
}

async function copy(
  args: string,
  state: StageState,
  stages: Map<string, StageState>,
  isIgnored: (path: string) => boolean,
  context: string,
  where: string,
): Promise<void> {
  const words = args.split(/\s+/);
  const flags = new Map<string, string>();
  for (let word = words[0]; word?.startsWith('--'); word = words[0]) {
    words.shift();
    const [flag = '', value = ''] = word.slice(2).split('=');
    if (!['from', 'chown', 'chmod'].includes(flag)) throw new Error(`${where}: unknown flag --${flag}`);
    flags.set(flag, value);
  }
  const dest = words.pop();
  if (!dest || words.length === 0) throw new Error(`${where}: COPY <source>... <destination>`);
  const fromName = flags.get('from');
  const from = fromName === undefined ? undefined : stages.get(fromName.toLowerCase());
  if (fromName !== undefined && !from) throw new Error(`${where}: no earlier stage ${fromName}`);
  const target = join(state.root, posix.resolve(state.workdir, dest));
  const intoFolder = dest.endsWith('/') || words.length > 1;
  for (const source of words) {
    if (/[*?[]/.test(source)) throw new Error(`${where}: the replay copies no wildcards`);
    const path = from ? join(from.root, posix.resolve('/', source)) : join(context, source);
    const isFolder = (await stat(path)).isDirectory();
    const destination = isFolder || !intoFolder ? target : join(target, posix.basename(source));
    await mkdir(isFolder ? destination : dirname(destination), { recursive: true });
    if (from) await cp(path, destination, { recursive: true, verbatimSymlinks: true });
    else {
      const files = isFolder ? await filesUnder(path) : [path];
      const kept = files.filter((file) => !isIgnored(relative(context, file)));
      if (kept.length === 0) throw new Error(`${where}: ${source} is excluded by .dockerignore`);
      for (const file of kept)
        await cp(file, isFolder ? join(destination, relative(path, file)) : destination, { recursive: true });
    }
    const mode = flags.get('chmod');
    if (mode !== undefined) await chmod(destination, parseInt(mode, 8));
  }
  // --chown has no effect here: the replay runs as whoever runs the test.
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function run(
  command: string,
  state: StageState,
  vars: Record<string, string>,
  options: ReplayOptions,
  where: string,
): Promise<void> {
  if (command.startsWith('apt-get ')) return checkAptPackages(command, options.aptCommands, where);
  if (/(^|[\s"'=;&|])\//.test(command))
    throw new Error(`${where}: RUN names an absolute path, which the replay would touch on this machine`);
  const cwd = join(state.root, state.workdir);
  const { code, output } = await shell(command, cwd, { ...options.env, ...vars });
  if (code !== 0) throw new Error(`${where}: \`${command}\` exited with ${code}:\n${output.slice(-4000)}`);
}

/** An `apt-get update && apt-get install … && rm -rf /var/lib/apt/lists/*` step: its packages must be here. */
async function checkAptPackages(command: string, aptCommands: Record<string, string>, where: string) {
  const packages: string[] = [];
  for (const part of command.split('&&').map((piece) => piece.trim())) {
    if (part === 'apt-get update' || part === 'rm -rf /var/lib/apt/lists/*') continue;
    const install = /^apt-get install (.*)$/.exec(part)?.[1];
    if (install === undefined)
      throw new Error(`${where}: the replay runs no \`${part}\` (only apt-get update/install)`);
    packages.push(...install.split(/\s+/).filter((word) => !word.startsWith('-')));
  }
  for (const name of packages) {
    const tool = aptCommands[name];
    if (!tool) throw new Error(`${where}: no command known for package ${name}`);
    const { code } = await shell(`command -v ${tool}`, '/', { PATH: process.env['PATH'] ?? '' });
    if (code !== 0) throw new Error(`${where}: this machine lacks ${tool} (package ${name})`);
  }
}

function shell(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}
