import { ValidateBy, ValidationOptions } from 'class-validator';

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]*)):(\d{1,5})$/;

/** A listen or dial address split into host ('' = every interface) and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses 'host:port' or '[ipv6]:port'; undefined when it is neither or the port is above 65535. */
export function parseHostPort(address: string): HostPort | undefined {
  const match = HOST_PORT.exec(address);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Validates a setting holding 'host:port' or '[ipv6]:port' (or '' when `allowEmpty`, meaning the default). */
export function IsHostPort(
  options: { allowEmpty: boolean } = { allowEmpty: false },
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHostPort',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          ((options.allowEmpty && value === '') || parseHostPort(value) !== undefined),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be host:port or [ipv6]:port${options.allowEmpty ? ' (or empty for the default)' : ''}`,
      },
    },
    validationOptions,
  );
}
