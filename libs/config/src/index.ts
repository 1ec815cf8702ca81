// Validated, typed configuration from environment variables, and the boot/shutdown wrapper of every gim app.
export { loadConfig, ConfigError } from './load-config';
export { CommonConfig, DEVELOPMENT_INTERNAL_SECRET, type RunMode } from './common';
export { runApp, drainBudgetMs, type Closable } from './run-app';
export { IsHostPort, parseHostPort, type HostPort } from './host-port';
export { IsPublicUrlBase, trimUrlBase } from './public-url';
export { DEFAULT_REDIS_PREFIX, DEFAULT_REDIS_URL, IsRedisUrl } from './redis';
