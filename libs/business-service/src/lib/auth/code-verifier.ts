import { timingSafeEqual } from 'node:crypto';

/**
 * Decides whether a verification code sent to a phone number is right. Plug in an implementation that
 * talks to an SMS provider; the built-in one only serves development.
 */
export abstract class CodeVerifier {
  /** True when `code` is the valid verification code for `phoneNumber`. */
  abstract verify(phoneNumber: string, code: string): Promise<boolean>;
}

/** Development verifier: accepts exactly the configured code for every phone number; rejects all when none is set. */
export class DevelopmentCodeVerifier extends CodeVerifier {
  constructor(private readonly acceptedCode: string) {
    super();
  }

  override async verify(_phoneNumber: string, code: string): Promise<boolean> {
    if (this.acceptedCode === '') return false;
    const presented = Buffer.from(code, 'utf8');
    const expected = Buffer.from(this.acceptedCode, 'utf8');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }
}
