import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostPort } from './host-port';

describe('parseHostPort', () => {
  it('reads host:port, :port and [ipv6]:port and refuses the rest', () => {
    assert.deepEqual(parseHostPort('0.0.0.0:8001'), { host: '0.0.0.0', port: 8001 });
    assert.deepEqual(parseHostPort(':8001'), { host: '', port: 8001 });
    assert.deepEqual(parseHostPort('[::1]:9'), { host: '::1', port: 9 });
    assert.deepEqual(parseHostPort('logic.internal:8010'), { host: 'logic.internal', port: 8010 });
    assert.equal(parseHostPort('example.com'), undefined);
    assert.equal(parseHostPort('h:70000'), undefined);
    assert.equal(parseHostPort('::1:9'), undefined, 'a bare IPv6 address needs brackets');
  });
});
