// The apps CLI (`npm run apps`), run as an operator would, against a standalone gim.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { tempDir, type TempDir } from '@gim/testing';
import { Deployment, startStandalone } from './support/deployment';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('apps CLI', { timeout: 120_000 }, () => {
  let gim: Deployment;
  let dir: TempDir;

  const cli = (args: string[], secret = gim.internalSecret): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          'tools/cli/src/main.ts',
          ...args,
          '--addr',
          `127.0.0.1:${gim.ports.business}`,
        ],
        { env: { ...process.env, GIM_INTERNAL_SECRET: secret } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    gim = await startStandalone();
    dir = await tempDir('apps-cli');
  });

  after(async () => {
    await gim?.stop();
    await dir?.remove();
  });

  void it('creates an app, adds and removes keys, rotates the credential, changes settings and disables it', async () => {
    const created = await cli(['create', 'Acme', 'Shop']);
    assert.equal(created.code, 0, created.stderr);
    const id = /^app (\d+) {2}"Acme Shop" {2}active/m.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    assert.match(created.stdout, new RegExp(`^credential: gim_app_${id}_[A-Za-z0-9_-]{43}$`, 'm'));

    const hmac = await cli(['add-key', id, 'acme-1', 'HS256']);
    assert.equal(hmac.code, 0, hmac.stderr);
    assert.match(hmac.stdout, /^secret: [A-Za-z0-9_-]{43}$/m);
    const pem = join(dir.path, 'acme.pem');
    const { publicKey } = generateKeyPairSync('ed25519');
    await writeFile(pem, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    assert.equal((await cli(['add-key', id, 'acme-2', 'EdDSA', '--public-key', pem])).code, 0);

    const rotated = await cli(['rotate-credential', id]);
    assert.match(rotated.stdout, /^credential: gim_app_/m);
    assert.equal((await cli(['settings', id, '--token-max-lifetime', '600'])).code, 0);
    assert.equal((await cli(['remove-key', id, 'acme-1'])).code, 0);
    assert.equal((await cli(['disable', id])).code, 0);

    const shown = await cli(['get', id]);
    assert.match(
      shown.stdout,
      new RegExp(
        `^app ${id} {2}"Acme Shop" {2}disabled {2}credentials: 2 {2}keys: acme-2 \\(EdDSA\\) {2}token max lifetime: 600 s$`,
        'm',
      ),
    );
    const listed = await cli(['list']);
    assert.match(listed.stdout, /^app 1 {2}"default" {2}active/m);
  });

  void it('says what is wrong: a bad command, a bad key, a wrong credential', async () => {
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown command frobnicate/);
    const badKey = await cli(['add-key', '1', 'k', 'HS256']);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /refused \(10001\).*default app/);
    const wrong = await cli(['list'], 'not-the-secret-of-this-deployment');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /refused \(10000\)/);
  });
});
