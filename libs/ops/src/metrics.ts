import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

// Every metric gim exports, in one place (the README's operator table lists them). One process has one
// registry: in standalone mode every service records into the same metrics, told apart by their labels.

/** Buckets for calls that usually take a millisecond or a few (database, Redis, pushes on loopback). */
const FAST_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Buckets for gRPC calls, which include database commits and downstream calls. */
const CALL_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics of a gim process. */
export const metrics = {
  connections: new Gauge({
    name: 'gim_connections',
    help: 'Client connections open now',
    labelNames: ['transport'] as const,
  }),
  signIns: new Counter({
    name: 'gim_sign_ins_total',
    help: 'Successful device sign-ins on a long connection',
    labelNames: ['transport'] as const,
  }),
  signInFailures: new Counter({
    name: 'gim_sign_in_failures_total',
    help: 'Refused sign-ins on a long connection, by gim error code',
    labelNames: ['transport', 'code'] as const,
  }),
  packetsReceived: new Counter({
    name: 'gim_packets_received_total',
    help: 'Packets received from clients, by command',
    labelNames: ['transport', 'command'] as const,
  }),
  packetsSent: new Counter({
    name: 'gim_packets_sent_total',
    help: 'Packets written to clients, by command',
    labelNames: ['transport', 'command'] as const,
  }),
  messagesStored: new Counter({
    name: 'gim_messages_stored_total',
    help: 'Messages stored: in the database (one-to-one, group, pushes) or in a room history',
    labelNames: ['store'] as const,
  }),
  deliveries: new Counter({
    name: 'gim_deliveries_total',
    help: 'Messages written to client connections (one per receiving connection)',
    labelNames: ['transport'] as const,
  }),
  pushLatency: new Histogram({
    name: 'gim_push_latency_seconds',
    help: 'From logic publishing a message on the bus to the gateway writing it to the socket',
    labelNames: ['transport'] as const,
    buckets: FAST_SECONDS,
  }),
  slowReaderDisconnects: new Counter({
    name: 'gim_slow_reader_disconnects_total',
    help: 'Connections closed because their send queue passed its limit',
    labelNames: ['transport'] as const,
  }),
  syncPages: new Counter({
    name: 'gim_sync_pages_total',
    help: 'Sync pages served (PC_SYNC and MessageExtService.Sync)',
  }),
  grpcHandled: new Counter({
    name: 'gim_grpc_server_handled_total',
    help: 'gRPC calls completed by this process, by service, method and status code',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  }),
  grpcDuration: new Histogram({
    name: 'gim_grpc_server_handling_seconds',
    help: 'Time to handle a gRPC call, by service and method',
    labelNames: ['grpc_service', 'grpc_method'] as const,
    buckets: CALL_SECONDS,
  }),
  dbQueryDuration: new Histogram({
    name: 'gim_db_query_duration_seconds',
    help: 'Database statement latency, by database (schema) and outcome',
    labelNames: ['db', 'outcome'] as const,
    buckets: FAST_SECONDS,
  }),
  redisCommandDuration: new Histogram({
    name: 'gim_redis_command_duration_seconds',
    help: 'Redis command latency, by client and outcome',
    labelNames: ['client', 'outcome'] as const,
    buckets: FAST_SECONDS,
  }),
};

let defaultsCollected = false;

/** Turns on Node's process metrics (event-loop lag, heap, CPU, open handles) once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ eventLoopMonitoringPrecision: 20 });
}

/** The Prometheus text exposition of every metric, and its content type. */
export async function exposition(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}

/** Seconds elapsed since `start` (a `performance.now()` reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
