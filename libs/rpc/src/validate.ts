import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { badRequest } from '@gim/errors';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => `${path}: ${reason}`);
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** Checks a request against a class-validator class; throws GimError(BadRequest) naming every bad field. */
export function validated<T extends object>(cls: new () => T, payload: unknown): T {
  const instance = plainToInstance(cls, payload ?? {});
  const errors = validateSync(instance, { forbidUnknownValues: false });
  if (errors.length > 0) throw badRequest(flatten(errors).join('; '));
  return instance;
}
