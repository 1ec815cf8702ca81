import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@gim/config';
import { BusinessConfig } from './business.config';

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig(BusinessConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
};

void describe('BusinessConfig', () => {
  void it('has working development defaults', () => {
    const config = loadConfig(BusinessConfig, {});
    assert.equal(config.GIM_BUSINESS_GRPC_URL, '0.0.0.0:8020');
    assert.equal(config.GIM_BUSINESS_DB_URL, 'mysql://root@127.0.0.1:3306/gim');
    assert.equal(config.GIM_BUSINESS_APPLY_SCHEMA, true);
    assert.equal(config.GIM_LOGIC_GRPC_ADDR, '127.0.0.1:8010');
    assert.equal(config.GIM_TOKEN_TTL_SECONDS, 30 * 24 * 3600);
    assert.equal(config.GIM_DEV_VERIFICATION_CODE, '');
  });

  void it('reads typed values from the environment', () => {
    const config = loadConfig(BusinessConfig, {
      GIM_BUSINESS_DB_URL: 'sqlite:data/business.db',
      GIM_BUSINESS_APPLY_SCHEMA: 'false',
      GIM_TOKEN_TTL_SECONDS: '60',
      GIM_DEV_VERIFICATION_CODE: '246810',
    });
    assert.equal(config.GIM_BUSINESS_DB_URL, 'sqlite:data/business.db');
    assert.equal(config.GIM_BUSINESS_APPLY_SCHEMA, false);
    assert.equal(config.GIM_TOKEN_TTL_SECONDS, 60);
    assert.equal(config.GIM_DEV_VERIFICATION_CODE, '246810');
  });

  void it('refuses a development verification code in production, saying why', () => {
    const message = problems({
      NODE_ENV: 'production',
      GIM_INTERNAL_SECRET: 'a-production-secret-of-some-length',
      GIM_DEV_VERIFICATION_CODE: '246810',
    });
    assert.match(message, /GIM_DEV_VERIFICATION_CODE: .*must be empty when NODE_ENV=production/);
    assert.equal(
      problems({ NODE_ENV: 'production', GIM_INTERNAL_SECRET: 'a-production-secret-of-some-length' }),
      '',
    );
  });

  void it('limits sign-in misses by default: 5 per phone and 100 per address in 15 minutes, counted in Redis', () => {
    const config = loadConfig(BusinessConfig, {});
    assert.equal(config.GIM_SIGN_IN_LIMITER, 'redis');
    assert.equal(config.GIM_REDIS_URL, 'redis://127.0.0.1:6379');
    assert.equal(config.GIM_REDIS_PREFIX, 'gim:');
    assert.equal(config.GIM_SIGN_IN_WINDOW_SECONDS, 900);
    assert.equal(config.GIM_SIGN_IN_MAX_MISSES_PER_PHONE, 5);
    assert.equal(config.GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS, 100);
    const memory = loadConfig(BusinessConfig, { GIM_SIGN_IN_LIMITER: 'memory', GIM_REDIS_URL: '' });
    assert.equal(memory.GIM_SIGN_IN_LIMITER, 'memory');
  });

  void it('names every bad sign-in limit setting', () => {
    const message = problems({
      GIM_SIGN_IN_LIMITER: 'disk',
      GIM_SIGN_IN_WINDOW_SECONDS: '0',
      GIM_SIGN_IN_MAX_MISSES_PER_PHONE: 'five',
      GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS: '-1',
    });
    for (const name of [
      'GIM_SIGN_IN_LIMITER',
      'GIM_SIGN_IN_WINDOW_SECONDS',
      'GIM_SIGN_IN_MAX_MISSES_PER_PHONE',
      'GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS',
    ]) {
      assert.match(message, new RegExp(`${name}:`));
    }
    assert.match(problems({ GIM_REDIS_URL: 'localhost:6379' }), /GIM_REDIS_URL: .*redis:\/\//);
  });

  void it('names every bad variable at once', () => {
    const message = problems({
      GIM_BUSINESS_DB_URL: 'postgres://x/y',
      GIM_BUSINESS_APPLY_SCHEMA: 'maybe',
      GIM_LOGIC_GRPC_ADDR: 'logic',
      GIM_TOKEN_TTL_SECONDS: '0',
      GIM_DEV_VERIFICATION_CODE: '1 2',
    });
    for (const name of [
      'GIM_BUSINESS_DB_URL',
      'GIM_BUSINESS_APPLY_SCHEMA',
      'GIM_LOGIC_GRPC_ADDR',
      'GIM_TOKEN_TTL_SECONDS',
      'GIM_DEV_VERIFICATION_CODE',
    ]) {
      assert.match(message, new RegExp(`${name}:`));
    }
  });
});
