/** One not-yet-signed-in socket's place in its client address's count. */
export interface AddressSlot {
  /** The client address (host only) the slot counts against. */
  readonly host: string;
  /** Gives the place back; later calls do nothing. */
  release(): void;
}

/**
 * Counts, per client address, the sockets that have not signed in yet (TCP connections awaiting sign-in,
 * WebSocket sockets in their HTTP handshake or awaiting sign-in) and refuses more than `limit` of them.
 */
export class AddressSlots {
  private readonly counts = new Map<string, number>();

  /** `limit` 0 means no limit. */
  constructor(private readonly limit: number) {}

  /** Takes a slot for `host`; undefined when the address already holds `limit` of them. */
  take(host: string): AddressSlot | undefined {
    const count = this.counts.get(host) ?? 0;
    if (this.limit > 0 && count >= this.limit) return undefined;
    this.counts.set(host, count + 1);
    let held = true;
    return {
      host,
      release: () => {
        if (!held) return;
        held = false;
        this.give(host);
      },
    };
  }

  /** Slots currently held by `host`. */
  held(host: string): number {
    return this.counts.get(host) ?? 0;
  }

  private give(host: string): void {
    const count = (this.counts.get(host) ?? 0) - 1;
    if (count > 0) this.counts.set(host, count);
    else this.counts.delete(host);
  }
}

/** A socket accepted but not yet a connection of the core (a WebSocket still in its HTTP handshake). */
export interface PendingSocket {
  /** Coarse time the socket was accepted. */
  readonly openedAt: number;
  /** Drops the socket: it did not become a connection within the sign-in timeout. */
  expire(): void;
}
