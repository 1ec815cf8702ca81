import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@gim/config';
import { allowedTypes, FileConfig } from './file.config';

const problems = (env: Record<string, string>): string => {
  try {
    loadConfig(FileConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
};

void describe('FileConfig', () => {
  void it('has working defaults', () => {
    const config = loadConfig(FileConfig, {});
    assert.equal(config.GIM_FILE_HTTP_URL, '0.0.0.0:8085');
    assert.equal(config.GIM_FILE_DIR, './data/files');
    assert.equal(config.GIM_FILE_MAX_BYTES, 20 * 1024 * 1024);
    assert.equal(config.GIM_FILE_DOWNLOADS, 'public');
    assert.ok(allowedTypes(config).has('image/jpeg'));
    assert.ok(!allowedTypes(config).has('text/plain'));
  });

  void it('reads a list of types and refuses the ones it cannot recognise, naming them', () => {
    const config = loadConfig(FileConfig, { GIM_FILE_ALLOWED_TYPES: 'image/png, text/plain' });
    assert.deepEqual([...allowedTypes(config)], ['image/png', 'text/plain']);
    assert.match(problems({ GIM_FILE_ALLOWED_TYPES: 'image/png,image/svg+xml' }), /image\/svg\+xml/);
    assert.match(problems({ GIM_FILE_ALLOWED_TYPES: '' }), /GIM_FILE_ALLOWED_TYPES/);
  });

  void it('refuses bad sizes, public URLs and download modes', () => {
    assert.match(problems({ GIM_FILE_MAX_BYTES: '0' }), /GIM_FILE_MAX_BYTES/);
    assert.match(problems({ GIM_FILE_PUBLIC_URL: 'ftp://x' }), /GIM_FILE_PUBLIC_URL/);
    assert.match(
      problems({ GIM_FILE_PUBLIC_URL: 'https://cdn.example.com/chat?x=1' }),
      /GIM_FILE_PUBLIC_URL/,
    );
    assert.equal(problems({ GIM_FILE_PUBLIC_URL: 'https://cdn.example.com/chat' }), '');
    assert.equal(problems({ GIM_FILE_PUBLIC_URL: '/chat' }), '');
    assert.match(problems({ GIM_FILE_DOWNLOADS: 'anyone' }), /GIM_FILE_DOWNLOADS/);
  });
});
