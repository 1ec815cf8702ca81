// A stand-in for the logic service in the gateway's integration tests: a real gRPC server (DeviceIntService
// and MessageIntService) with canned answers that records every call. It is a test double, not logic.
import {
  loadPackageDefinition,
  Metadata,
  Server,
  ServerCredentials,
  ServerDuplexStream,
  ServerUnaryCall,
  sendUnaryData,
  ServiceClientConstructor,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { logicDevice, logicMessageInt, PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import { ErrorCode, GimError } from '@gim/errors';
import { Message } from '@gim/protocol';
import { gimErrorToGrpc, INTERNAL_METADATA_KEY, metadataString } from '@gim/rpc';

type Handler<Req, Res> = (request: Req) => Res;

/** Logic's gRPC surface as the gateway uses it; accepts the token `token-<user_id>`. */
export class LogicTestDouble {
  readonly signIns: logicDevice.SignInRequest[] = [];
  readonly offlines: logicDevice.OfflineRequest[] = [];
  readonly leases: logicDevice.RenewGatewayLeaseRequest[] = [];
  readonly restores: logicDevice.RestorePresenceRequest[] = [];
  readonly sends: logicMessageInt.SendUserMessageRequest[] = [];
  readonly syncs: logicMessageInt.DeviceSyncRequest[] = [];
  readonly acks: logicMessageInt.DeviceAckRequest[] = [];
  /** What DeviceSync returns. */
  syncMessages: Message[] = [];
  private readonly server = new Server();
  private port = 0;

  private constructor(private readonly secret: string) {}

  /** Starts the double on an ephemeral port of 127.0.0.1; calls must carry `secret`. */
  static async start(secret: string): Promise<LogicTestDouble> {
    const double = new LogicTestDouble(secret);
    await double.listen();
    return double;
  }

  /** host:port to dial. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops the server. */
  stop(): void {
    this.server.forceShutdown();
  }

  /** The connection id of the device's latest sign-in. */
  lastConnId(deviceId: number): number {
    const signIn = this.signIns.filter((each) => each.deviceId === deviceId).at(-1);
    if (signIn === undefined) throw new Error(`device ${deviceId} never signed in`);
    return signIn.connId;
  }

  /** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
  async until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async listen(): Promise<void> {
    const definition = loadSync(protoFiles('logic/device.int.proto', 'logic/message.int.proto'), {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [protoRoot()],
    });
    const logic = loadPackageDefinition(definition)['logic'] as {
      DeviceIntService: ServiceClientConstructor;
      MessageIntService: ServiceClientConstructor;
    };
    this.server.addService(logic.DeviceIntService.service, {
      signIn: this.unary((request: logicDevice.SignInRequest) => {
        this.signIns.push(request);
        if (request.token !== `token-${request.userId}`)
          throw new GimError(ErrorCode.Unauthorized, 'unauthorized: bad token');
        return { userId: request.userId, deviceId: request.deviceId, appId: 1 };
      }),
      heartbeat: this.unary(() => ({})),
      offline: this.unary((request: logicDevice.OfflineRequest) => {
        this.offlines.push(request);
        return {};
      }),
      save: this.unary(() => ({ deviceId: 1 })),
      renewGatewayLease: this.unary((request: logicDevice.RenewGatewayLeaseRequest) => {
        this.leases.push(request);
        return { restored: false };
      }),
      restorePresence: this.unary((request: logicDevice.RestorePresenceRequest) => {
        this.restores.push(request);
        return { moved: [] };
      }),
    });
    this.server.addService(logic.MessageIntService.service, {
      pushToUsers: this.unary(() => ({ messageId: 0 })),
      pushToAll: this.unary(() => ({})),
      sendUserMessage: this.unary((request: logicMessageInt.SendUserMessageRequest) => this.send(request)),
      sendUserMessages: this.unary((request: logicMessageInt.SendUserMessagesRequest) => ({
        results: this.sendAll(request.sends),
      })),
      sendUserMessageStream: (
        call: ServerDuplexStream<
          logicMessageInt.SendUserMessageBatch,
          logicMessageInt.SendUserMessageBatchReply
        >,
      ) => {
        if (metadataString(call.metadata, INTERNAL_METADATA_KEY) !== this.secret) {
          const failure = gimErrorToGrpc(new GimError(ErrorCode.Unauthorized, 'missing internal credential'));
          call.emit('error', { ...failure, metadata: failure.metadata as Metadata });
          return;
        }
        call.on('data', (batch: logicMessageInt.SendUserMessageBatch) =>
          call.write({ batchId: batch.batchId, results: this.sendAll(batch.sends), code: 0, message: '' }),
        );
        call.on('end', () => call.end());
      },
      deviceSync: this.unary((request: logicMessageInt.DeviceSyncRequest) => {
        this.syncs.push(request);
        return { messages: this.syncMessages, hasMore: false };
      }),
      deviceAck: this.unary((request: logicMessageInt.DeviceAckRequest) => {
        this.acks.push(request);
        return {};
      }),
    } satisfies UntypedServiceImplementation);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
  }

  private sendAll(
    sends: readonly logicMessageInt.SendUserMessageRequest[],
  ): logicMessageInt.SendUserMessageResult[] {
    return sends.map((send) => {
      try {
        return { code: 0, message: '', reply: this.send(send) };
      } catch (error) {
        if (!(error instanceof GimError)) throw error;
        return { code: error.code, message: error.message, reply: undefined };
      }
    });
  }

  private send(request: logicMessageInt.SendUserMessageRequest): logicMessageInt.SendUserMessageReply {
    this.sends.push(request);
    if (request.toUserId === 404) throw new GimError(ErrorCode.UserNotFound);
    return { messageId: 900 + this.sends.length, seq: this.sends.length, createdAt: 1_700_000_000_000 };
  }

  private unary<Req, Res>(handler: Handler<Req, Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      if (metadataString(call.metadata, INTERNAL_METADATA_KEY) !== this.secret) {
        callback(gimErrorToGrpc(new GimError(ErrorCode.Unauthorized, 'missing internal credential')));
        return;
      }
      try {
        callback(null, handler(call.request));
      } catch (error) {
        if (!(error instanceof GimError)) throw error;
        const failure = gimErrorToGrpc(error);
        callback({ ...failure, metadata: failure.metadata as Metadata });
      }
    };
  }
}
