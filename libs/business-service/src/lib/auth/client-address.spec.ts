import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddress, peerHost, UNKNOWN_ADDRESS } from './client-address';

const fromConnection = (remoteAddress: string | undefined, peer = 'unknown') => ({
  getPeer: () => peer,
  getConnectionInfo: () => ({ remoteAddress }),
});

void describe('clientAddress', () => {
  void it('counts an IPv4 caller by its address without the port', () => {
    assert.equal(clientAddress(fromConnection('203.0.113.7', '203.0.113.7:50123')), '203.0.113.7');
    assert.equal(clientAddress(fromConnection('::ffff:203.0.113.7')), '203.0.113.7');
  });

  void it('counts an IPv6 caller by its /64 network', () => {
    assert.equal(clientAddress(fromConnection('2001:db8:abcd:12:1:2:3:4')), '2001:db8:abcd:12::/64');
    assert.equal(clientAddress(fromConnection('2001:DB8:ABCD:0012::ffff')), '2001:db8:abcd:12::/64');
    assert.equal(clientAddress(fromConnection('2001:db8::1')), '2001:db8:0:0::/64');
    assert.equal(clientAddress(fromConnection('fe80::1%eth0')), 'fe80:0:0:0::/64');
  });

  void it('falls back to the peer string when the connection says nothing', () => {
    assert.equal(clientAddress(fromConnection(undefined, 'ipv4:198.51.100.2:443')), '198.51.100.2');
    assert.equal(clientAddress({ getPeer: () => 'ipv6:[2001:db8:1:2::9]:5678' }), '2001:db8:1:2::/64');
    assert.equal(clientAddress({ getPeer: () => '198.51.100.2:50000' }), '198.51.100.2');
    assert.equal(clientAddress({ getPeer: () => 'unknown' }), UNKNOWN_ADDRESS);
    assert.equal(clientAddress(undefined), UNKNOWN_ADDRESS);
  });

  void it('reads peer strings in the gRPC and grpc-js formats', () => {
    assert.equal(peerHost('ipv4:1.2.3.4:5678'), '1.2.3.4');
    assert.equal(peerHost('ipv6:[::1]:5678'), '::1');
    assert.equal(peerHost('1.2.3.4:5678'), '1.2.3.4');
    assert.equal(peerHost('::1:5678'), '::1');
    assert.equal(peerHost('1.2.3.4'), '1.2.3.4');
  });
});
