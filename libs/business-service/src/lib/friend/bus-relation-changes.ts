import { Logger } from '@nestjs/common';
import { Channels, FanoutBus } from '@gim/bus';
import { RelationChanges } from './friend';

/** RelationChanges on the fan-out bus (Redis pub/sub in the cluster, in-process in standalone). */
export class BusRelationChanges extends RelationChanges {
  private readonly logger = new Logger('friends');

  constructor(
    private readonly bus: FanoutBus,
    private readonly channels: Channels,
  ) {
    super();
  }

  // A lost announcement leaves a stale verdict in logic for at most its cache lifetime: logged, not thrown.
  async changed(a: number, b: number): Promise<void> {
    try {
      await this.bus.publish(this.channels.relations(), Buffer.from(`${a}:${b}`));
    } catch (error) {
      this.logger.warn(`announcing a relation change of ${a} and ${b} failed: ${String(error)}`);
    }
  }
}
