import { timingSafeEqual } from 'node:crypto';

/**
 * Decides whether a verification code sent to a phone number is right. Plug in an implementation that
 * talks to an SMS provider; the built-in one only serves development.
 */
export abstract class CodeVerifier {
  /** True when `code` is the valid verification code for `phoneNumber`. */
  abstract verify(phoneNumber: string, code: string): Promise<boolean>;
  /**
   * Called when `phoneNumber` has used up its wrong codes for the sign-in window: drop its outstanding code,
   * so that the next sign-in needs a new one.
   */
  abstract invalidate(phoneNumber: string): Promise<void>;
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

  /** The development code is fixed: nothing to drop (the attempt limit still refuses it while locked). */
  override invalidate(_phoneNumber: string): Promise<void> {
    return Promise.resolve();
  }
}
