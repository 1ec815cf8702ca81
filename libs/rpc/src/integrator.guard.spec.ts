import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Metadata } from '@grpc/grpc-js';
import { ErrorCode, GimError } from '@gim/errors';
import { AppCredentialVerifier, DEFAULT_APP_ID, IntegratorGuard, integratorScope } from './integrator.guard';
import { APP_CREDENTIAL_METADATA_KEY, INTERNAL_METADATA_KEY } from './metadata';

const SECRET = 'internal-secret-for-tests';

class Apps extends AppCredentialVerifier {
  override async verify(credential: string): Promise<number> {
    if (credential === 'shop-credential') return 10_000;
    if (credential === 'closed-credential')
      throw new GimError(ErrorCode.AppDisabled, 'app 10001 is disabled');
    throw new GimError(ErrorCode.Unauthorized, 'unauthorized: not a valid app credential');
  }
}

function call(entries: Record<string, string>): { host: ExecutionContextHost; metadata: Metadata } {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  const host = new ExecutionContextHost([{}, metadata, {}]);
  host.setType('rpc');
  return { host, metadata };
}

const guard = new IntegratorGuard(SECRET, new Apps());

async function refusedWith(entries: Record<string, string>, code: ErrorCode): Promise<void> {
  const { host } = call(entries);
  await assert.rejects(guard.canActivate(host), (error: unknown) => {
    assert.ok(error instanceof GimError);
    assert.equal(error.code, code);
    return true;
  });
}

void describe('IntegratorGuard', () => {
  void it('admits the internal credential in the default app', async () => {
    const { host, metadata } = call({ [INTERNAL_METADATA_KEY]: SECRET });
    assert.equal(await guard.canActivate(host), true);
    assert.deepEqual(integratorScope(metadata), { appId: DEFAULT_APP_ID, internal: true });
  });

  void it("admits an app's credential in that app only", async () => {
    const { host, metadata } = call({ [APP_CREDENTIAL_METADATA_KEY]: 'shop-credential' });
    assert.equal(await guard.canActivate(host), true);
    assert.deepEqual(integratorScope(metadata), { appId: 10_000, internal: false });
  });

  void it('refuses no credential, a wrong one, both at once, and a disabled app', async () => {
    await refusedWith({}, ErrorCode.Unauthorized);
    await refusedWith({ [INTERNAL_METADATA_KEY]: 'wrong' }, ErrorCode.Unauthorized);
    await refusedWith({ [APP_CREDENTIAL_METADATA_KEY]: 'forged' }, ErrorCode.Unauthorized);
    await refusedWith(
      { [INTERNAL_METADATA_KEY]: SECRET, [APP_CREDENTIAL_METADATA_KEY]: 'shop-credential' },
      ErrorCode.Unauthorized,
    );
    await refusedWith({ [APP_CREDENTIAL_METADATA_KEY]: 'closed-credential' }, ErrorCode.AppDisabled);
  });

  void it('fails closed when a handler asks for the scope of a call the guard did not admit', () => {
    assert.throws(() => integratorScope(new Metadata()), { code: ErrorCode.Unauthorized });
    assert.throws(() => integratorScope(undefined), { code: ErrorCode.Unauthorized });
  });
});
