/** A registered client installation. */
export interface Device {
  id: number;
  userId: number;
  type: number;
  brand: string;
  model: string;
  systemVersion: string;
  sdkVersion: string;
  branchPushId: string;
}
