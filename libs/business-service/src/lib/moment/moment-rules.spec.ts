import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { momentRules } from './moment.usecases';

void describe('momentRules.visible', () => {
  void it("shows a moment to its author always, to the author's friends unless a block stands, to nobody else", () => {
    assert.equal(momentRules.visible(1, 1, false, true), true, 'the author');
    assert.equal(momentRules.visible(2, 1, true, false), true, 'a friend');
    assert.equal(momentRules.visible(2, 1, true, true), false, 'a friend across a block');
    assert.equal(momentRules.visible(3, 1, false, false), false, 'a stranger');
  });
});
