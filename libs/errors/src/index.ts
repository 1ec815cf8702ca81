// Error codes and the business error type shared by every gim service.
export { ErrorCode, defaultMessage, isErrorCode } from './error-code';
export { GimError, badRequest } from './gim-error';
export { OutageLog, type OutageSink } from './outage-log';
