// Helpers for integration and end-to-end tests: isolated databases, key prefixes, temp dirs, free ports, and
// assertions on raw gRPC failures.
export { createTestDatabase, testMysqlUrl, testRedisUrl, uniquePrefix, type TestDatabase } from './db';
export { tempDir, type TempDir } from './fs';
export { freePort, startTcpProxy, type TcpProxy } from './net';
export { assertGrpcFailure, type ExpectedGrpcFailure } from './grpc';
