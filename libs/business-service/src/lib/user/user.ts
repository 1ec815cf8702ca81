/** A user account. */
export interface User {
  /** the user inside gim */
  id: number;
  appId: number;
  /** the user's id in its app: what the app and its clients call it (id in the default app) */
  appUserId: number;
  /** tokens the app signed before this time (Unix seconds) are refused */
  tokensNotBefore: number;
  /** '' for a user without one (users of other apps) */
  phoneNumber: string;
  nickname: string;
  /** 0 unknown, 1 male, 2 female */
  sex: number;
  avatarUrl: string;
  /** integrator-defined data */
  extra: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields of a profile the user may change. */
export interface Profile {
  nickname: string;
  sex: number;
  avatarUrl: string;
  extra: string;
}

/** A client installation as it describes itself at sign-in; id 0 registers a new one. */
export interface DeviceInfo {
  id: number;
  type: number;
  brand: string;
  model: string;
  systemVersion: string;
  sdkVersion: string;
  branchPushId: string;
}

/** Largest page of search results. */
export const SEARCH_LIMIT = 20;

/** Longest values the `user` table holds. */
export const PROFILE_LIMITS = { phoneNumber: 20, nickname: 64, avatarUrl: 255, extra: 1024 } as const;

/** Accepted phone numbers: 5 to 19 digits, optionally after a leading + (fits the 20-character column). */
export const PHONE_NUMBER_PATTERN = /^\+?[0-9]{5,19}$/;

/** Registers devices and records who is signed in on them (the logic service owns devices). */
export abstract class DeviceRegistry {
  /** Creates the device (id 0) or updates it, now signed in by `userId`; returns its id. */
  abstract save(userId: number, device: DeviceInfo): Promise<number>;
  /** The user's device its app calls `appDeviceId`, registered if new; returns its id inside gim. */
  abstract resolveAppDevice(userId: number, appDeviceId: number): Promise<number>;
}
