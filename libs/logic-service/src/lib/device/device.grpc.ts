import { Controller, UseGuards } from '@nestjs/common';
import { logicDevice } from '@gim/contracts';
import { ErrorCode } from '@gim/errors';
import { InternalGuard, validated } from '@gim/rpc';
import { Fanout } from '../message/fanout';
import { PresenceStore } from '../presence/presence';
import {
  CloseAppCommand,
  DeviceConnectionRequest,
  RenewLeaseRequest,
  RestorePresenceRequest,
  SaveDeviceRequest,
  SignInDeviceRequest,
} from './device.requests';
import { SaveDeviceUseCase } from './save-device.usecase';
import { SignInDeviceUseCase } from './sign-in-device.usecase';

/** gRPC edge of DeviceIntService (internal callers only). */
@Controller()
@UseGuards(InternalGuard)
@logicDevice.DeviceIntServiceControllerMethods()
export class DeviceIntGrpc implements logicDevice.DeviceIntServiceController {
  constructor(
    private readonly signInDevice: SignInDeviceUseCase,
    private readonly saveDevice: SaveDeviceUseCase,
    private readonly presence: PresenceStore,
    private readonly fanout: Fanout,
  ) {}

  async closeApp(request: logicDevice.CloseAppRequest): Promise<void> {
    const { appId, reason } = validated(CloseAppCommand, request);
    await this.fanout.closeApp({ appId, code: ErrorCode.AppDisabled, reason });
  }

  async signIn(request: logicDevice.SignInRequest): Promise<logicDevice.SignInReply> {
    return this.signInDevice.execute(validated(SignInDeviceRequest, request));
  }

  async heartbeat(request: logicDevice.HeartbeatRequest): Promise<void> {
    const command = validated(DeviceConnectionRequest, request);
    await this.presence.setOnline(command.userId, command.deviceId, command);
  }

  async offline(request: logicDevice.OfflineRequest): Promise<void> {
    const command = validated(DeviceConnectionRequest, request);
    await this.presence.setOffline(command.userId, command.deviceId, command);
  }

  async save(request: logicDevice.DeviceSaveRequest): Promise<logicDevice.DeviceSaveReply> {
    return { deviceId: await this.saveDevice.execute(validated(SaveDeviceRequest, request)) };
  }

  async renewGatewayLease(
    request: logicDevice.RenewGatewayLeaseRequest,
  ): Promise<logicDevice.RenewGatewayLeaseReply> {
    const command = validated(RenewLeaseRequest, request);
    return { restored: await this.presence.renewLease(command.gatewayId, command.leaseSeconds) };
  }

  async restorePresence(
    request: logicDevice.RestorePresenceRequest,
  ): Promise<logicDevice.RestorePresenceReply> {
    const command = validated(RestorePresenceRequest, request);
    return { moved: await this.presence.restore(command.gatewayId, command.connections) };
  }
}
