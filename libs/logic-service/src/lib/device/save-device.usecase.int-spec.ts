import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LogicStorage, openLogicStorage } from '../../../test/logic-harness';
import { DeviceFields, SaveDeviceRequest } from './device.requests';
import { SaveDeviceUseCase } from './save-device.usecase';

const phone = (id: number, brand = 'acme'): DeviceFields => ({
  id,
  type: 1,
  brand,
  model: 'x1',
  systemVersion: '14',
  sdkVersion: '1.0',
  branchPushId: 'push-token',
});

void describe('SaveDeviceUseCase', () => {
  let storage: LogicStorage;
  let save: SaveDeviceUseCase;

  const saveFor = (userId: number, device: DeviceFields): Promise<number> =>
    save.execute({ userId, device, appDeviceId: 0 } satisfies SaveDeviceRequest);

  beforeEach(async () => {
    storage = await openLogicStorage('save-device');
    save = new SaveDeviceUseCase(storage.devices);
  });

  afterEach(async () => {
    await storage.close();
  });

  void it("registers a device with id 0 for the request's user and updates it in place when saved again", async () => {
    const id = await saveFor(1, phone(0));
    assert.ok(id >= 10_000);
    assert.deepEqual(await storage.devices.find(id), { ...phone(id), userId: 1 });
    assert.equal(await saveFor(1, phone(id, 'renamed')), id);
    assert.deepEqual(await storage.devices.find(id), { ...phone(id, 'renamed'), userId: 1 });
  });

  void it("registers a new device rather than taking over another user's", async () => {
    const owned = await saveFor(1, phone(0));
    const other = await saveFor(2, phone(owned, 'intruder'));
    assert.notEqual(other, owned);
    assert.deepEqual(await storage.devices.find(owned), { ...phone(owned), userId: 1 });
    assert.equal((await storage.devices.find(other))?.userId, 2);
  });

  void it("finds a user's device by its app's id, registering it once, separately for each user", async () => {
    const first = await save.execute({ userId: 1, device: phone(0), appDeviceId: 7 });
    assert.equal(await save.execute({ userId: 1, device: phone(0), appDeviceId: 7 }), first);
    const otherUser = await save.execute({ userId: 2, device: phone(0), appDeviceId: 7 });
    assert.notEqual(otherUser, first);
    assert.deepEqual(
      await storage.devices.appDeviceIds([first, otherUser]),
      new Map([
        [first, 7],
        [otherUser, 7],
      ]),
    );
    await assert.rejects(save.execute({ userId: 0, device: phone(0), appDeviceId: 7 }), /belongs to a user/);
  });

  void it("takes the user from the request, never from the device's fields", async () => {
    const smuggled = { ...phone(0), userId: 999 } as DeviceFields;
    const id = await saveFor(3, smuggled);
    assert.equal((await storage.devices.find(id))?.userId, 3);
  });
});
