import { isIP, isIPv4, isIPv6 } from 'node:net';

/** What a gRPC server call tells about its peer (grpc-js ServerUnaryCall and friends). */
export interface PeerCall {
  getPeer(): string;
  getConnectionInfo?(): { remoteAddress?: string | undefined };
}

/** The address of a call that tells none. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The host part of a peer string: `ipv4:1.2.3.4:5678`, `ipv6:[::1]:5678`, grpc-js's `1.2.3.4:5678` and
 * `::1:5678` (its port is always appended), or a bare address.
 */
export function peerHost(peer: string): string {
  const text = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1]) return bracketed[1];
  const withoutPort = /^(.*):\d+$/.exec(text)?.[1];
  if (withoutPort && isIP(withoutPort)) return withoutPort;
  return text;
}

/** The 64-bit network prefix of an IPv6 address, which is what one subscriber usually gets. */
function ipv6Network(address: string): string {
  const [head = '', tail] = address.split('::');
  const groups = (part: string | undefined): string[] =>
    part ? part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])) : [];
  const front = groups(head);
  const back = groups(tail);
  const full =
    tail === undefined
      ? front
      : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${full
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Who is calling, as counted for sign-in limits: the IPv4 address without the port, or the /64 network of an
 * IPv6 address (an IPv4-mapped IPv6 address counts as its IPv4 address). Taken from the connection, never
 * from metadata, which the caller controls.
 */
export function clientAddress(call: PeerCall | undefined): string {
  if (!call) return UNKNOWN_ADDRESS;
  const remote = call.getConnectionInfo?.().remoteAddress || peerHost(call.getPeer());
  const host = remote.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (isIPv4(host)) return host;
  if (isIPv6(host)) return ipv6Network(host);
  return host.slice(0, 64) || UNKNOWN_ADDRESS;
}
