import { ValidateBy, ValidationOptions } from 'class-validator';

const PUBLIC_URL_BASE = /^(?:$|https?:\/\/[^\s?#]+|\/[^\s?#]*)$/;

/**
 * Validates a setting holding the start of URLs handed to clients: an http(s) URL or a path starting with '/',
 * without query or fragment; '' means the app's default.
 */
export function IsPublicUrlBase(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPublicUrlBase',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && PUBLIC_URL_BASE.test(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an http(s) URL or a path starting with /, without query or fragment`,
      },
    },
    validationOptions,
  );
}

/** A URL base as configured, without trailing slashes, so that `${base}/file/<name>` has one slash. */
export function trimUrlBase(base: string): string {
  return base.replace(/\/+$/, '');
}
