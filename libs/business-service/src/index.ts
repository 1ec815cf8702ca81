// The business service: users, sign-in and tokens, profiles, search, and one-to-one messages (via logic), over gRPC.
export { BusinessConfig } from './lib/business.config';
export { BusinessModule, type BusinessModuleOptions } from './lib/business.module';
export {
  startBusiness,
  BUSINESS_PROTO_FILES,
  type BusinessHandle,
  type StartBusinessOptions,
} from './lib/start-business';
export { CodeVerifier, DevelopmentCodeVerifier } from './lib/auth/code-verifier';
export {
  AttemptStore,
  MemoryAttemptStore,
  type AttemptLimit,
  type Reservation,
} from './lib/auth/attempt-store';
export { RedisAttemptStore } from './lib/auth/redis-attempt-store';
export { createAttemptStore } from './lib/auth/sign-in-limiter';
