// Error codes and the business error type shared by every gim service.
export { ErrorCode, defaultMessage, isErrorCode } from './error-code';
export { GimError, badRequest, unavailable } from './gim-error';
export { OutageLog, watchReconnecting, type OutageSink, type ReconnectingClient } from './outage-log';
