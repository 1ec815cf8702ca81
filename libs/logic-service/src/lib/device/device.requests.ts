import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** A positive id as sent over gRPC. */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/** DeviceIntService.SignIn arguments. */
export class SignInDeviceRequest {
  /** as the client names it; 0 with an app token (the token's) */
  @IsInt() @Min(0) @Max(MAX_ID) userId!: number;
  /** as the client names it; 0 with an app token (the token's) */
  @IsInt() @Min(0) @Max(MAX_ID) deviceId!: number;
  @IsString() @MinLength(1) @MaxLength(4096) token!: string;
  @IsString() @MaxLength(128) clientAddr!: string;
  @IsString() @MinLength(1) @MaxLength(128) gatewayId!: string;
  @IsInt() @Min(1) @Max(MAX_ID) connId!: number;
}

/** DeviceIntService.Heartbeat / Offline arguments. */
export class DeviceConnectionRequest {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  @IsString() @MinLength(1) @MaxLength(128) gatewayId!: string;
  @IsInt() @Min(1) @Max(MAX_ID) connId!: number;
}

/** The device part of DeviceIntService.Save. */
export class DeviceFields {
  @IsInt() @Min(0) @Max(MAX_ID) id!: number;
  @IsInt() @Min(0) @Max(5) type!: number;
  @IsString() @MaxLength(64) brand!: string;
  @IsString() @MaxLength(64) model!: string;
  @IsString() @MaxLength(64) systemVersion!: string;
  @IsString() @MaxLength(64) sdkVersion!: string;
  @IsString() @MaxLength(255) branchPushId!: string;
}

/** DeviceIntService.Save arguments. */
export class SaveDeviceRequest {
  @ValidateNested() @Type(() => DeviceFields) device!: DeviceFields;
  @IsInt() @Min(0) @Max(MAX_ID) userId!: number;
  /** when not 0: the user's device by its app's id (userId must then be set) */
  @IsInt() @Min(0) @Max(MAX_ID) appDeviceId!: number;
}

/** DeviceIntService.RenewGatewayLease arguments. */
export class RenewLeaseRequest {
  @IsString() @MinLength(1) @MaxLength(128) gatewayId!: string;
  @IsInt() @Min(0) @Max(3600) leaseSeconds!: number;
}

/** Most connections one RestorePresence call may carry; gateways send more in several calls. */
export const MAX_RESTORE_BATCH = 1000;

/** One connection of DeviceIntService.RestorePresence. */
export class HeldConnectionFields {
  @IsInt() @Min(1) @Max(MAX_ID) userId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) deviceId!: number;
  @IsInt() @Min(1) @Max(MAX_ID) connId!: number;
}

/** DeviceIntService.RestorePresence arguments. */
export class RestorePresenceRequest {
  @IsString() @MinLength(1) @MaxLength(128) gatewayId!: string;
  @IsArray()
  @ArrayMaxSize(MAX_RESTORE_BATCH)
  @ValidateNested({ each: true })
  @Type(() => HeldConnectionFields)
  connections!: HeldConnectionFields[];
}

/** DeviceIntService.CloseApp arguments. */
export class CloseAppCommand {
  @IsInt() @Min(2) @Max(MAX_ID) appId!: number;
  @IsString() @MinLength(1) @MaxLength(256) reason!: string;
}
