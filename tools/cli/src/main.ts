// gim-apps: manages the apps a gim serves through business's AppIntService (run `npm run apps -- help`).
import { readFileSync } from 'node:fs';
import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { businessAppInt, protoFiles, PROTO_LOADER_OPTIONS } from '@gim/contracts';
import { INTERNAL_METADATA_KEY } from '@gim/rpc';

const USAGE = `usage: npm run apps -- <command> [arguments] [--addr host:port]

  list                                   every app, with its keys
  get <app id>                           one app
  create <name>                          a new app; prints its integrator credential (shown once)
  disable <app id> | enable <app id>     refuse or serve the app's tokens, credentials and calls
  rotate-credential <app id> [--drop-previous]
                                         a new credential; the previous one stays valid unless dropped
  add-key <app id> <kid> HS256 [--secret <base64url>]
                                         an HMAC key; without --secret gim generates one and prints it once
  add-key <app id> <kid> RS256|ES256|EdDSA --public-key <PEM file>
                                         a public key that verifies the app's tokens
  remove-key <app id> <kid>              tokens naming this kid are refused from now on
  settings <app id> --token-max-lifetime <seconds>
                                         the longest exp - iat the app's tokens may have (0: one day)

Talks to business at --addr or GIM_BUSINESS_GRPC_ADDR (default 127.0.0.1:8020) with the internal credential
in GIM_INTERNAL_SECRET.`;

type Call = (
  request: object,
  metadata: Metadata,
  done: (error: ServiceError | null, reply: unknown) => void,
) => void;

function client(addr: string): Record<string, Call> {
  const definition = loadSync(protoFiles('business/app.int.proto'), PROTO_LOADER_OPTIONS);
  const business = loadPackageDefinition(definition)['business'] as unknown as Record<
    string,
    new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Record<string, Call>
  >;
  const Service = business['AppIntService'];
  if (!Service) throw new Error('business.AppIntService is missing from the proto files');
  return new Service(addr, credentials.createInsecure());
}

function call<T>(service: Record<string, Call>, method: string, request: object): Promise<T> {
  const metadata = new Metadata();
  metadata.set(INTERNAL_METADATA_KEY, process.env['GIM_INTERNAL_SECRET'] ?? '');
  return new Promise((resolve, reject) => {
    const fn = service[method];
    if (!fn) return reject(new Error(`no method ${method}`));
    fn.call(service, request, metadata, (error, reply) => (error ? reject(error) : resolve(reply as T)));
  });
}

function appId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`not an app id: ${text ?? '(missing)'}`);
  return id;
}

class UsageError extends Error {}

function show(app: businessAppInt.App): string {
  const status = app.status === businessAppInt.AppStatus.AS_DISABLED ? 'disabled' : 'active';
  const keys = app.keys.map((key) => `${key.kid} (${key.alg})`).join(', ') || 'none';
  const lifetime = app.settings?.tokenMaxLifetimeSeconds || 86_400;
  return `app ${app.id}  ${JSON.stringify(app.name)}  ${status}  credentials: ${app.credentials}  keys: ${keys}  token max lifetime: ${lifetime} s`;
}

/** Runs one command line; returns the process exit code. */
export async function run(argv: readonly string[], print: (line: string) => void): Promise<number> {
  const args = [...argv];
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const [, value] = args.splice(at, 2);
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    return value;
  };
  const flag = (name: string): boolean => {
    const at = args.indexOf(name);
    if (at >= 0) args.splice(at, 1);
    return at >= 0;
  };
  const addr = option('--addr') ?? process.env['GIM_BUSINESS_GRPC_ADDR'] ?? '127.0.0.1:8020';
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help') {
    print(USAGE);
    return command === undefined ? 64 : 0;
  }
  const apps = client(addr);
  switch (command) {
    case 'list': {
      const reply = await call<businessAppInt.ListAppsReply>(apps, 'listApps', {});
      for (const app of reply.apps) print(show(app));
      return 0;
    }
    case 'get':
      print(show(await call<businessAppInt.App>(apps, 'getApp', { appId: appId(rest[0]) })));
      return 0;
    case 'create': {
      if (!rest[0]) throw new UsageError('create needs a name');
      const reply = await call<businessAppInt.CreateAppReply>(apps, 'createApp', { name: rest.join(' ') });
      if (reply.app) print(show(reply.app));
      print(`credential: ${reply.credential}`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const status =
        command === 'disable' ? businessAppInt.AppStatus.AS_DISABLED : businessAppInt.AppStatus.AS_ACTIVE;
      await call(apps, 'setAppStatus', { appId: appId(rest[0]), status });
      print(`app ${rest[0] ?? ''} ${command}d`);
      return 0;
    }
    case 'rotate-credential': {
      const dropPrevious = flag('--drop-previous');
      const id = appId(args[1]);
      const reply = await call<businessAppInt.RotateCredentialReply>(apps, 'rotateCredential', {
        appId: id,
        dropPrevious,
      });
      print(`credential: ${reply.credential}`);
      return 0;
    }
    case 'add-key': {
      const secret = option('--secret') ?? '';
      const keyFile = option('--public-key');
      const [, id, kid, alg] = args;
      if (!kid || !alg) throw new UsageError('add-key needs <app id> <kid> <alg>');
      const publicKey = keyFile === undefined ? '' : readFileSync(keyFile, 'utf8');
      const reply = await call<businessAppInt.AddKeyReply>(apps, 'addKey', {
        appId: appId(id),
        kid,
        alg,
        publicKey,
        secret,
      });
      print(`key ${reply.key?.kid ?? kid} (${reply.key?.alg ?? alg}) added`);
      if (reply.secret) print(`secret: ${reply.secret}`);
      return 0;
    }
    case 'settings': {
      const lifetime = option('--token-max-lifetime');
      if (lifetime === undefined) throw new UsageError('settings needs --token-max-lifetime <seconds>');
      const settings = { tokenMaxLifetimeSeconds: Number(lifetime) };
      await call(apps, 'updateSettings', { appId: appId(args[1]), settings });
      print(`app ${args[1] ?? ''} settings updated`);
      return 0;
    }
    case 'remove-key': {
      if (!rest[1]) throw new UsageError('remove-key needs <app id> <kid>');
      await call(apps, 'removeKey', { appId: appId(rest[0]), kid: rest[1] });
      print(`key ${rest[1]} removed`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

function describeError(error: unknown): { code: number; text: string } {
  if (error instanceof UsageError) return { code: 64, text: `${error.message}\n\n${USAGE}` };
  const service = error as Partial<ServiceError>;
  if (service.metadata instanceof Metadata) {
    const gimCode = service.metadata.get('gim-code')[0];
    return { code: 1, text: `refused (${String(gimCode ?? service.code)}): ${service.details ?? ''}` };
  }
  return { code: 1, text: error instanceof Error ? error.message : String(error) };
}

if (require.main === module) {
  run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const { code, text } = describeError(error);
      process.stderr.write(`${text}\n`);
      process.exit(code);
    },
  );
}
