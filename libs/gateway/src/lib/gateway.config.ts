import { CommonConfig, DEFAULT_REDIS_PREFIX, DEFAULT_REDIS_URL, IsHostPort, IsRedisUrl } from '@gim/config';
import { IsInt, IsString, Matches, Max, Min, ValidateBy, ValidationOptions } from 'class-validator';

/** Which client protocol carrier a gateway speaks. */
export type GatewayTransport = 'tcp' | 'ws';

function AtLeastTwiceFrameSize(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'atLeastTwiceFrameSize',
      validator: {
        validate: (value: unknown, args) => {
          const frameBytes = (args?.object as GatewayConfig).GIM_MAX_FRAME_BYTES;
          return typeof value === 'number' && (!Number.isInteger(frameBytes) || value >= 2 * frameBytes);
        },
        defaultMessage: (args) => `${args?.property ?? 'value'} must be at least twice GIM_MAX_FRAME_BYTES`,
      },
    },
    validationOptions,
  );
}

function AtMostHalfTheShutdownTimeout(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'atMostHalfTheShutdownTimeout',
      validator: {
        validate: (value: unknown, args) => {
          const timeoutMs = (args?.object as GatewayConfig).GIM_SHUTDOWN_TIMEOUT_MS;
          return typeof value === 'number' && (!Number.isInteger(timeoutMs) || value <= timeoutMs / 2);
        },
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be at most half of GIM_SHUTDOWN_TIMEOUT_MS (the rest is for the last answers, the sockets and leaving)`,
      },
    },
    validationOptions,
  );
}

/** Default client and gRPC listen addresses per transport, used when the variables are left empty. */
export const GATEWAY_DEFAULT_ADDRESSES: Readonly<
  Record<GatewayTransport, { listen: string; grpc: string; ops: string }>
> = {
  tcp: { listen: '0.0.0.0:8001', grpc: '0.0.0.0:8003', ops: '0.0.0.0:9001' },
  ws: { listen: '0.0.0.0:8002', grpc: '0.0.0.0:8004', ops: '0.0.0.0:9002' },
};

/** Settings of a tcp-gateway or ws-gateway process. Property names are the environment variables. */
export class GatewayConfig extends CommonConfig {
  /** Unique id of this gateway process; empty generates hostname-pid-random at start. */
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{0,128}$/, {
    message: 'GIM_GATEWAY_ID may only hold letters, digits and . _ : -',
  })
  GIM_GATEWAY_ID: string = '';

  /** Client listen address host:port; empty means 0.0.0.0:8001 (tcp) or 0.0.0.0:8002 (ws, path /ws). */
  @IsHostPort({ allowEmpty: true })
  GIM_GATEWAY_LISTEN: string = '';

  /** gRPC listen address of ConnectIntService; empty means 0.0.0.0:8003 (tcp) or 0.0.0.0:8004 (ws). */
  @IsHostPort({ allowEmpty: true })
  GIM_GATEWAY_GRPC_URL: string = '';

  /** Where logic's gRPC server is. */
  @IsHostPort({ allowEmpty: false })
  GIM_LOGIC_GRPC_ADDR: string = '127.0.0.1:8010';

  /** Redis for the fan-out bus (cluster mode). */
  @IsRedisUrl()
  GIM_REDIS_URL: string = DEFAULT_REDIS_URL;

  /** Prefix of the bus channel names; must match logic's. */
  @IsString()
  GIM_REDIS_PREFIX: string = DEFAULT_REDIS_PREFIX;

  /** Largest client frame (TCP) or message (WS) body in bytes. */
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  GIM_MAX_FRAME_BYTES: number = 65_536;

  /** How long a new connection may take to sign in. */
  @IsInt()
  @Min(50)
  GIM_SIGN_IN_TIMEOUT_MS: number = 10_000;

  /** A signed-in connection that sends no packet for this long is closed. */
  @IsInt()
  @Min(100)
  GIM_IDLE_TIMEOUT_MS: number = 300_000;

  /** Period of the one timer that enforces the two timeouts above. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  GIM_SWEEP_INTERVAL_MS: number = 1_000;

  /** Sockets of one client address that may be open without having signed in; 0 means no limit. */
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  GIM_MAX_UNAUTHENTICATED_PER_ADDRESS: number = 128;

  /** Bytes queued plus bytes in the socket's buffer above which a connection is closed as a slow consumer. */
  @IsInt()
  @AtLeastTwiceFrameSize()
  GIM_SEND_QUEUE_MAX_BYTES: number = 1_048_576;

  /** Lifetime of the gateway's presence lease at logic; renewed every third of it. */
  @IsInt()
  @Min(3)
  @Max(3_600)
  GIM_LEASE_SECONDS: number = 30;

  /** On SIGTERM, clients are told to reconnect after a delay spread evenly over this window (no herd). */
  @IsInt()
  @Min(0)
  @Max(600_000)
  @AtMostHalfTheShutdownTimeout()
  GIM_DRAIN_WINDOW_MS: number = 10_000;
}

/** The client and gRPC listen addresses a gateway of `transport` uses under `config`. */
export function gatewayAddresses(
  config: GatewayConfig,
  transport: GatewayTransport,
): { listen: string; grpc: string; ops: string } {
  const defaults = GATEWAY_DEFAULT_ADDRESSES[transport];
  return {
    listen: config.GIM_GATEWAY_LISTEN || defaults.listen,
    grpc: config.GIM_GATEWAY_GRPC_URL || defaults.grpc,
    ops: config.GIM_OPS_LISTEN || defaults.ops,
  };
}
