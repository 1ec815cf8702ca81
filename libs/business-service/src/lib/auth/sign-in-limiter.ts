import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, GimError } from '@gim/errors';
import { BusinessConfig } from '../business.config';
import { AttemptStore, MemoryAttemptStore } from './attempt-store';
import { RedisAttemptStore } from './redis-attempt-store';

/** A sign-in attempt holding a slot in its phone's and its address's miss counters until it is settled. */
export interface SignInAttempt {
  readonly phoneKey: string;
  readonly addressKey: string;
  /** the phone's misses in this window, this attempt included */
  readonly phoneMisses: number;
}

/** The attempt counters GIM_SIGN_IN_LIMITER asks for: Redis (cluster) or this process's memory (standalone). */
export function createAttemptStore(config: BusinessConfig): AttemptStore {
  return config.GIM_SIGN_IN_LIMITER === 'memory'
    ? new MemoryAttemptStore()
    : new RedisAttemptStore(config.GIM_REDIS_URL, config.GIM_REDIS_PREFIX);
}

/**
 * Limits wrong verification codes per phone number and per client address in a fixed window. An attempt
 * counts as a miss from the moment it starts (so concurrent guesses cannot overrun the limit) and gives its
 * slot back when the code turns out right; a right code also forgets the phone's earlier misses.
 */
@Injectable()
export class SignInLimiter {
  private readonly logger = new Logger('sign-in');

  constructor(
    private readonly store: AttemptStore,
    private readonly config: BusinessConfig,
  ) {}

  /** Starts an attempt, or refuses it with 10302 and the seconds to wait when the phone or the address is at its limit. */
  async begin(phoneNumber: string, clientAddress: string): Promise<SignInAttempt> {
    const phoneKey = `signin:phone:${phoneNumber}`;
    const addressKey = `signin:addr:${clientAddress}`;
    const reservation = await this.store.reserve(
      [
        { key: phoneKey, max: this.config.GIM_SIGN_IN_MAX_MISSES_PER_PHONE },
        { key: addressKey, max: this.config.GIM_SIGN_IN_MAX_MISSES_PER_ADDRESS },
      ],
      this.config.GIM_SIGN_IN_WINDOW_SECONDS * 1000,
    );
    if (!reservation.granted) {
      const seconds = Math.max(1, Math.ceil(reservation.retryAfterMs / 1000));
      throw new GimError(ErrorCode.TooManyAttempts, `too many sign-in attempts; retry after ${seconds} s`, {
        retryAfterSeconds: seconds,
      });
    }
    return { phoneKey, addressKey, phoneMisses: reservation.counts[0] ?? 0 };
  }

  /** True when this attempt, being a miss, used the phone's last one: the phone is locked until its window ends. */
  locksPhone(attempt: SignInAttempt): boolean {
    return attempt.phoneMisses >= this.config.GIM_SIGN_IN_MAX_MISSES_PER_PHONE;
  }

  /** The code was right: forgets the phone's misses and gives the address its slot back. */
  async succeeded(attempt: SignInAttempt): Promise<void> {
    await this.settle(() =>
      Promise.all([this.store.clear([attempt.phoneKey]), this.store.release([attempt.addressKey])]),
    );
  }

  /** The code could not be checked (the verifier failed): the attempt is not a miss. */
  async abandoned(attempt: SignInAttempt): Promise<void> {
    await this.settle(() => this.store.release([attempt.phoneKey, attempt.addressKey]));
  }

  /** Settling is best effort: the answer is already decided and a lost update only lasts until the window ends. */
  private async settle(update: () => Promise<unknown>): Promise<void> {
    try {
      await update();
    } catch (error) {
      this.logger.warn(
        `sign-in attempt counters not updated: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
}
