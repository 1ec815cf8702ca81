import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import type { PromiseClient } from '@gim/rpc';
import type { businessUserInt } from '@gim/contracts';
import { BusinessAuthenticator, credentialsFrom } from './caller';

const refusedWith = (code: ErrorCode) => (error: unknown) => error instanceof GimError && error.code === code;

void describe('credentialsFrom', () => {
  void it('reads user_id, device_id and token, or their x-gim-* twins', () => {
    assert.deepEqual(credentialsFrom({ user_id: '10001', device_id: '10002', token: 't' }), {
      userId: 10001,
      deviceId: 10002,
      token: 't',
    });
    assert.deepEqual(credentialsFrom({ 'x-gim-user-id': '7', 'x-gim-device-id': '8', 'x-gim-token': 'u' }), {
      userId: 7,
      deviceId: 8,
      token: 'u',
    });
  });

  void it('leaves ids an app token carries to the token (0)', () => {
    assert.deepEqual(credentialsFrom({ token: 'jwt' }), { userId: 0, deviceId: 0, token: 'jwt' });
  });

  void it('refuses (10000) a request without a token or with ids that are not decimal', () => {
    assert.throws(
      () => credentialsFrom({ user_id: '1', device_id: '2' }),
      refusedWith(ErrorCode.Unauthorized),
    );
    assert.throws(() => credentialsFrom({ user_id: '-1', token: 't' }), refusedWith(ErrorCode.Unauthorized));
    assert.throws(
      () => credentialsFrom({ device_id: '1e3', token: 't' }),
      refusedWith(ErrorCode.Unauthorized),
    );
    assert.throws(
      () => credentialsFrom({ user_id: '99999999999999999', token: 't' }),
      refusedWith(ErrorCode.Unauthorized),
    );
  });
});

void describe('BusinessAuthenticator', () => {
  const answering = (auth: () => Promise<businessUserInt.AuthReply>) =>
    new BusinessAuthenticator({ auth } as unknown as PromiseClient<businessUserInt.UserIntServiceClient>);
  const credentials = { userId: 1, deviceId: 2, token: 't' };

  void it("takes the user's app and gim id from business's answer", async () => {
    const reply = { appId: 5, userId: 10007, deviceId: 0, appUserId: 42, appDeviceId: 7 };
    assert.deepEqual(await answering(async () => reply).authenticate(credentials), {
      appId: 5,
      userId: 10007,
    });
  });

  void it("keeps an app token's refusal code, makes every other refusal 10000, and passes outages on", async () => {
    const failing = (error: Error) => answering(() => Promise.reject(error)).authenticate(credentials);
    await assert.rejects(failing(new GimError(ErrorCode.TokenExpired)), refusedWith(ErrorCode.TokenExpired));
    await assert.rejects(failing(new GimError(ErrorCode.BadRequest)), refusedWith(ErrorCode.Unauthorized));
    await assert.rejects(failing(new GimError(ErrorCode.Unavailable)), refusedWith(ErrorCode.Unavailable));
  });
});
