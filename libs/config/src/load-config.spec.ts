import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsInt, Matches, Min } from 'class-validator';
import { CommonConfig, DEVELOPMENT_INTERNAL_SECRET } from './common';
import { ConfigError, loadConfig } from './load-config';

class Sample {
  @IsInt() @Min(1) GIM_PORT: number = 8000;
  @IsBoolean() GIM_FLAG: boolean = false;
  @Matches(/^mysql:\/\/.+\/db$/) GIM_DB_URL: string = 'mysql://root@localhost/db';
}

describe('loadConfig', () => {
  it('uses defaults and coerces variables by their declared types', () => {
    assert.deepEqual(
      { ...loadConfig(Sample, {}) },
      { GIM_PORT: 8000, GIM_FLAG: false, GIM_DB_URL: 'mysql://root@localhost/db' },
    );
    const config = loadConfig(Sample, { GIM_PORT: '9001', GIM_FLAG: 'false' });
    assert.equal(config.GIM_PORT, 9001);
    assert.equal(config.GIM_FLAG, false, '"false" is false, not a truthy string');
    assert.ok(Object.isFrozen(config));
  });

  it('names every bad variable at once and never prints a password', () => {
    assert.throws(
      () =>
        loadConfig(Sample, {
          GIM_PORT: 'eighty',
          GIM_FLAG: 'maybe',
          GIM_DB_URL: 'mysql://root:hunter2@db:3306/other',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        assert.match(error.message, /GIM_PORT: .*\(got NaN\)/);
        assert.match(error.message, /GIM_FLAG: /);
        assert.match(error.message, /root:\*\*\*@db/);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
  });
});

describe('CommonConfig', () => {
  it('refuses the published development secret in production, and only there', () => {
    assert.throws(
      () =>
        loadConfig(CommonConfig, {
          NODE_ENV: 'production',
          GIM_INTERNAL_SECRET: DEVELOPMENT_INTERNAL_SECRET,
        }),
      /GIM_INTERNAL_SECRET: .*development secret/,
    );
    assert.throws(() => loadConfig(CommonConfig, { NODE_ENV: 'production' }), /GIM_INTERNAL_SECRET/);
    assert.throws(() => loadConfig(CommonConfig, { GIM_INTERNAL_SECRET: 'short' }), /at least 16/);
    assert.equal(
      loadConfig(CommonConfig, { GIM_INTERNAL_SECRET: DEVELOPMENT_INTERNAL_SECRET }).GIM_INTERNAL_SECRET,
      DEVELOPMENT_INTERNAL_SECRET,
    );
  });
});
