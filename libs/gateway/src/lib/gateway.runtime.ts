import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { ClientServer } from './client-server';
import { GatewayCore } from './core/gateway-core';
import { FanoutSubscriber } from './fanout.subscriber';
import { parseHostPort } from '@gim/config';
import { gatewayAddresses } from './gateway.config';
import { GatewayLease } from './gateway-lease';
import { CLIENT_SERVER, GATEWAY_SETTINGS, LOGIC_CLIENT, type GatewaySettings } from './gateway.tokens';
import type { LogicClient } from './logic-client';
import { PresenceRestorer } from './presence-restorer';

/** Period of the drain's timer: connections leave in waves this far apart. */
const DRAIN_TICK_MS = 100;
/** How long a leaving connection may wait for the answers to requests it already sent. */
const DRAIN_ANSWER_WAIT_MS = 1_000;
/** How long the drain waits for clients to close after their PC_CLOSE 10407 before destroying their sockets. */
const DRAIN_GRACE_MS = 2_000;

/**
 * Starts and stops the gateway's parts in order. Start: lease, bus subscriptions, sweep, client listener.
 * Stop (a drain): stop accepting, PC_CLOSE 10407 to every connection in waves over GIM_DRAIN_WINDOW_MS (their
 * Offline calls remove them from presence), drop the lease (logic routes nothing here any more), unsubscribe.
 */
@Injectable()
export class GatewayRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Gateway');
  private readonly lease: GatewayLease;
  private readonly fanout: FanoutSubscriber;
  private port = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    @Inject(LOGIC_CLIENT) logic: LogicClient,
    @Inject(CLIENT_SERVER) private readonly clients: ClientServer,
    private readonly core: GatewayCore,
  ) {
    const { config, gatewayId, bus, channels } = settings;
    const restorer = new PresenceRestorer(core, logic, gatewayId);
    this.lease = new GatewayLease(logic, gatewayId, config.GIM_LEASE_SECONDS, this.logger, restorer);
    this.fanout = new FanoutSubscriber(bus, channels, gatewayId, core, this.logger);
  }

  /** The port clients connect to, once started. */
  get clientPort(): number {
    return this.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config, transport, gatewayId } = this.settings;
    const listen = parseHostPort(gatewayAddresses(config, transport).listen);
    if (listen === undefined) throw new Error('GIM_GATEWAY_LISTEN is not host:port');
    await this.lease.start();
    const slowBus = setTimeout(
      () => this.logger.warn('still waiting for the fan-out bus subscription'),
      5_000,
    );
    await this.fanout.start().finally(() => clearTimeout(slowBus));
    this.core.start(config.GIM_SWEEP_INTERVAL_MS);
    this.port = await this.clients.listen(listen.host, listen.port);
    this.logger.log(`${transport} gateway ${gatewayId} accepts clients on port ${this.port}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /** Stops the gateway (idempotent); the gRPC server and the channel to logic are the Nest app's to close. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    const began = Date.now();
    this.clients.stopAccepting();
    const drained = await this.core.drain({
      windowMs: this.settings.config.GIM_DRAIN_WINDOW_MS,
      tickMs: DRAIN_TICK_MS,
      answerWaitMs: DRAIN_ANSWER_WAIT_MS,
      graceMs: DRAIN_GRACE_MS,
    });
    await this.clients.closed(1_000);
    await this.lease.stop();
    await this.fanout.stop();
    this.logger.log(
      `gateway ${this.settings.gatewayId} stopped: ${drained} connections drained in ${Date.now() - began} ms`,
    );
  }
}
