// Operating a gim process: the ops HTTP server (/healthz, /readyz, /metrics), gRPC health, Prometheus metrics,
// JSON logs and the request id carried through calls.
export { OpsServer, serviceOps, type ReadinessCheck, type ServiceOps } from './ops-server';
export { metrics, collectProcessMetrics, exposition, secondsSince } from './metrics';
export { processLoggerFor, newRequestId, currentRequestId, withRequestId, type LogSettings } from './logging';
export { logLevels } from './log-levels';
export { instrumentRedis, redisReadiness } from './redis';
