import { Controller, UseGuards } from '@nestjs/common';
import { connectInt } from '@gim/contracts';
import { InternalGuard } from '@gim/rpc';
import { GatewayCore } from './core/gateway-core';

/** ConnectIntService: logic's direct per-device delivery to this gateway's connections (internal only). */
@Controller()
@connectInt.ConnectIntServiceControllerMethods()
@UseGuards(InternalGuard)
export class ConnectIntGrpcController implements connectInt.ConnectIntServiceController {
  constructor(private readonly core: GatewayCore) {}

  pushToDevices(request: connectInt.PushToDevicesRequest): void {
    this.core.pushMessages(request.deviceMessages);
  }
}
