import { Controller, Logger, UseGuards } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { from, mergeMap, Observable } from 'rxjs';
import { logicMessageExt, logicMessageInt } from '@gim/contracts';
import { badRequest, ErrorCode, GimError } from '@gim/errors';
import {
  callDeadline,
  claimedIdentity,
  GrpcDrain,
  IntegratorGuard,
  integratorScope,
  InternalGuard,
  validated,
} from '@gim/rpc';
import { IdentifyDevice } from '../device/identify-device';
import {
  AckCommand,
  PushToAllRequest,
  PushToUsersRequest,
  MAX_SENDS_PER_CALL,
  SendUserMessageRequest,
  SyncCommand,
} from './message.requests';
import { PushToAllUseCase, PushToUsersUseCase } from './push-to-users.usecase';
import { SendUserMessageUseCase } from './send-user-message.usecase';
import { AckMessagesUseCase, SyncMessagesUseCase } from './sync-messages.usecase';

/** The result code of a send that failed for a reason that is not a gim outcome (gRPC INTERNAL). */
const INTERNAL = 13;
/** A stream batch's deadline when it names none, and the longest it may name (ms). */
const DEFAULT_BATCH_TIMEOUT_MS = 5_000;
const MAX_BATCH_TIMEOUT_MS = 60_000;

/** gRPC edge of MessageIntService (internal callers: integrators' servers, business, gateways). */
@Controller()
@logicMessageInt.MessageIntServiceControllerMethods()
export class MessageIntGrpc implements logicMessageInt.MessageIntServiceController {
  private readonly logger = new Logger('grpc');

  constructor(
    private readonly sendUseCase: SendUserMessageUseCase,
    private readonly pushToUsersUseCase: PushToUsersUseCase,
    private readonly pushToAllUseCase: PushToAllUseCase,
    private readonly syncUseCase: SyncMessagesUseCase,
    private readonly ackUseCase: AckMessagesUseCase,
    private readonly drain: GrpcDrain,
  ) {}

  /** Integrator call: an app's credential pushes to its own app's users; the internal credential to app_id's (default: the default app). */
  @UseGuards(IntegratorGuard)
  async pushToUsers(
    request: logicMessageInt.PushToUsersRequest,
    metadata?: Metadata,
    call?: unknown,
  ): Promise<logicMessageInt.PushToUsersReply> {
    const scope = integratorScope(metadata);
    const command = validated(PushToUsersRequest, request);
    if (command.appId !== 0 && command.appId !== scope.appId && !scope.internal)
      throw new GimError(
        ErrorCode.Unauthorized,
        "unauthorized: an app's credential pushes to its own app only",
      );
    const appId = command.appId === 0 ? scope.appId : command.appId;
    return { messageId: await this.pushToUsersUseCase.execute(appId, command, callDeadline(call)) };
  }

  /** Integrator call: reaches the connected devices of the caller's app only. */
  @UseGuards(IntegratorGuard)
  async pushToAll(request: logicMessageInt.PushToAllRequest, metadata?: Metadata): Promise<void> {
    const { appId } = integratorScope(metadata);
    await this.pushToAllUseCase.execute(appId, validated(PushToAllRequest, request));
  }

  @UseGuards(InternalGuard)
  async sendUserMessage(
    request: logicMessageInt.SendUserMessageRequest,
    _metadata?: Metadata,
    call?: unknown,
  ): Promise<logicMessageInt.SendUserMessageReply> {
    return this.sendUseCase.execute(validated(SendUserMessageRequest, request), callDeadline(call));
  }

  @UseGuards(InternalGuard)
  async sendUserMessages(
    request: logicMessageInt.SendUserMessagesRequest,
    _metadata?: Metadata,
    call?: unknown,
  ): Promise<logicMessageInt.SendUserMessagesReply> {
    return { results: await this.sendBatch(request.sends ?? [], callDeadline(call)) };
  }

  /** A gateway's batches; on shutdown the stream takes no more and ends once the ones taken are answered. */
  @UseGuards(InternalGuard)
  sendUserMessageStream(
    batches: Observable<logicMessageInt.SendUserMessageBatch>,
  ): Observable<logicMessageInt.SendUserMessageBatchReply> {
    return batches.pipe(
      this.drain.endOnDrain(),
      mergeMap((batch) => {
        const timeoutMs = Math.min(batch.timeoutMs || DEFAULT_BATCH_TIMEOUT_MS, MAX_BATCH_TIMEOUT_MS);
        return from(
          this.sendBatch(batch.sends ?? [], Date.now() + timeoutMs).then(
            (results) => ({ batchId: batch.batchId, results, code: 0, message: '' }),
            (error: unknown) => ({
              batchId: batch.batchId,
              results: [],
              code: error instanceof GimError ? error.code : INTERNAL,
              message: error instanceof GimError ? error.message : 'internal error',
            }),
          ),
        );
      }),
    );
  }

  /** Each send of a batch on its own: one result per send, in order; only an oversized batch fails as a whole. */
  private sendBatch(
    sends: readonly logicMessageInt.SendUserMessageRequest[],
    deadline: number,
  ): Promise<logicMessageInt.SendUserMessageResult[]> {
    // Only the batch's size is checked here; each send is validated on its own below (copying every body once).
    if (sends.length > MAX_SENDS_PER_CALL)
      return Promise.reject(
        badRequest(`sends: ${sends.length} sends exceed the ${MAX_SENDS_PER_CALL}-send limit of one call`),
      );
    return Promise.all(
      sends.map(async (send): Promise<logicMessageInt.SendUserMessageResult> => {
        try {
          const reply = await this.sendUseCase.execute(validated(SendUserMessageRequest, send), deadline);
          return { code: 0, message: '', reply };
        } catch (error) {
          if (error instanceof GimError)
            return { code: error.code, message: error.message, reply: undefined };
          const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
          this.logger.error(`SendUserMessages: a send failed: ${stack}`);
          return { code: INTERNAL, message: 'internal error', reply: undefined };
        }
      }),
    );
  }

  @UseGuards(InternalGuard)
  async deviceSync(request: logicMessageInt.DeviceSyncRequest): Promise<logicMessageExt.SyncReply> {
    return this.syncUseCase.execute(validated(SyncCommand, request));
  }

  @UseGuards(InternalGuard)
  async deviceAck(request: logicMessageInt.DeviceAckRequest): Promise<void> {
    await this.ackUseCase.execute(validated(AckCommand, request));
  }
}

/** gRPC edge of MessageExtService: every call is authenticated from its metadata. */
@Controller()
@logicMessageExt.MessageExtServiceControllerMethods()
export class MessageExtGrpc implements logicMessageExt.MessageExtServiceController {
  constructor(
    private readonly identify: IdentifyDevice,
    private readonly syncUseCase: SyncMessagesUseCase,
    private readonly ackUseCase: AckMessagesUseCase,
  ) {}

  async sync(request: logicMessageExt.SyncRequest, metadata?: Metadata): Promise<logicMessageExt.SyncReply> {
    const caller = await this.authenticate(metadata);
    return this.syncUseCase.execute(
      validated(SyncCommand, { ...caller, seq: request.seq, limit: request.limit }),
    );
  }

  async messageAck(request: logicMessageExt.MessageACKRequest, metadata?: Metadata): Promise<void> {
    const caller = await this.authenticate(metadata);
    await this.ackUseCase.execute(validated(AckCommand, { ...caller, seq: request.deviceAck }));
  }

  // The caller inside gim (the metadata names the user and device by its app's ids, as the token does).
  private async authenticate(metadata: Metadata | undefined): Promise<{ userId: number; deviceId: number }> {
    const identity = claimedIdentity(metadata);
    if (!identity)
      throw new GimError(
        ErrorCode.Unauthorized,
        'unauthorized: user_id, device_id and token metadata are required',
      );
    const { userId, deviceId } = await this.identify.execute(
      identity.userId,
      identity.deviceId,
      identity.token,
    );
    return { userId, deviceId };
  }
}
