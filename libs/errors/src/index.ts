// Error codes and the business error type shared by every gim service.
export { ErrorCode, defaultMessage, isErrorCode } from './error-code';
export { GimError, badRequest } from './gim-error';
