import { Connection } from './connection';

/** Every live connection of a gateway by id, and the signed-in ones by device id. */
export class ConnectionRegistry {
  private readonly byId = new Map<number, Connection>();
  private readonly byDevice = new Map<number, Connection>();
  private lastId = 0;

  /** The next connection id; unique for the gateway's lifetime. */
  nextId(): number {
    return ++this.lastId;
  }

  /** Number of live connections. */
  get size(): number {
    return this.byId.size;
  }

  /** Number of signed-in devices. */
  get devices(): number {
    return this.byDevice.size;
  }

  /** Adds a newly accepted connection. */
  add(connection: Connection): void {
    this.byId.set(connection.id, connection);
  }

  /** The live connection with this id. */
  get(id: number): Connection | undefined {
    return this.byId.get(id);
  }

  /** The signed-in connection of a device. */
  device(deviceId: number): Connection | undefined {
    return this.byDevice.get(deviceId);
  }

  /** Makes a signed-in connection its device's connection; returns the one it replaces, if any. */
  bindDevice(connection: Connection): Connection | undefined {
    const deviceId = connection.identity?.deviceId;
    if (deviceId === undefined) throw new Error(`connection ${connection.id} has no identity`);
    const previous = this.byDevice.get(deviceId);
    this.byDevice.set(deviceId, connection);
    return previous === connection ? undefined : previous;
  }

  /** Forgets a closed connection. */
  remove(connection: Connection): void {
    this.byId.delete(connection.id);
    const deviceId = connection.identity?.deviceId;
    if (deviceId !== undefined && this.byDevice.get(deviceId) === connection) this.byDevice.delete(deviceId);
  }

  /** Every live connection. */
  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  /** Every signed-in device's connection. */
  signedIn(): IterableIterator<Connection> {
    return this.byDevice.values();
  }
}
