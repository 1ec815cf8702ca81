import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, GimError } from '@gim/errors';
import { FriendStatus } from './friend';
import { friendRules } from './friend.usecases';

const refusedWith = (code: ErrorCode) => (error: unknown) => error instanceof GimError && error.code === code;

void describe('friendRules', () => {
  void it('lets anyone message anyone under the anyone rule, except across a block', () => {
    assert.equal(friendRules.send('anyone', false, false, false), 0);
    assert.equal(friendRules.send('anyone', false, true, false), 0);
    assert.equal(friendRules.send('anyone', false, false, true), ErrorCode.Blocked);
    assert.equal(
      friendRules.send('anyone', false, true, true),
      ErrorCode.Blocked,
      'a block outweighs a friendship',
    );
  });

  void it('lets only friends message each other under the friends rule; a block refuses even friends', () => {
    assert.equal(friendRules.send('friends', false, true, false), 0);
    assert.equal(friendRules.send('friends', false, false, false), ErrorCode.FriendNotFound);
    assert.equal(friendRules.send('friends', false, true, true), ErrorCode.Blocked);
    assert.equal(friendRules.send('friends', false, false, true), ErrorCode.Blocked);
  });

  void it('always lets a user write to itself (notes to self, its other devices)', () => {
    assert.equal(friendRules.send('friends', true, false, false), 0);
    assert.equal(friendRules.send('anyone', true, false, true), 0);
  });

  void it('refuses befriending or blocking oneself (10214) and anything across a block (10213)', () => {
    const caller = { appId: 1, userId: 7, deviceId: 1, appUserId: 7, appDeviceId: 1 };
    const user = (id: number) => ({
      id,
      appId: 1,
      appUserId: id,
      tokensNotBefore: 0,
      phoneNumber: '',
      nickname: '',
      sex: 0,
      avatarUrl: '',
      extra: '',
      createdAt: new Date(0),
      updatedAt: new Date(0),
    });
    assert.throws(() => friendRules.notSelf(caller, user(7)), refusedWith(ErrorCode.FriendSelf));
    assert.doesNotThrow(() => friendRules.notSelf(caller, user(8)));
    assert.throws(() => friendRules.notBlocked(true), refusedWith(ErrorCode.Blocked));
    assert.doesNotThrow(() => friendRules.notBlocked(false));
  });

  void it('refuses a second request with what stands between the two: 10211 friends, 10212 already asked', () => {
    assert.equal(friendRules.alreadyRelated(FriendStatus.Friends, 8).code, ErrorCode.AlreadyFriends);
    assert.equal(friendRules.alreadyRelated(FriendStatus.Requested, 8).code, ErrorCode.FriendRequestWaiting);
  });

  void it('refuses an answer with no request to answer: 10211 when already friends, else 10210', () => {
    assert.equal(friendRules.noRequest(FriendStatus.Friends, 8).code, ErrorCode.AlreadyFriends);
    assert.equal(friendRules.noRequest(undefined, 8).code, ErrorCode.FriendNotFound);
    assert.equal(
      friendRules.noRequest(FriendStatus.Requested, 8).code,
      ErrorCode.FriendNotFound,
      "the caller's own request is not one to answer",
    );
  });
});
