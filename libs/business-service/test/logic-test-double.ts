// TEST DOUBLE of the logic service for the business integration tests: an in-memory gRPC server with just
// DeviceIntService.Save and MessageIntService.SendUserMessage and PushToUsers. The real logic service is tested elsewhere.
import { loadPackageDefinition, Server, ServerCredentials, ServiceDefinition, status } from '@grpc/grpc-js';
import type { handleUnaryCall, Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { logicDevice, logicMessageInt, PROTO_LOADER_OPTIONS, protoFiles, protoRoot } from '@gim/contracts';
import { INTERNAL_METADATA_KEY, metadataString } from '@gim/rpc';

/** A running logic test double and what it was asked to do. */
export interface LogicTestDouble {
  address: string;
  saves: logicDevice.DeviceSaveRequest[];
  sends: logicMessageInt.SendUserMessageRequest[];
  /** PushToUsers calls (business's notices), in order. */
  pushes: logicMessageInt.PushToUsersRequest[];
  close(): Promise<void>;
}

function serviceDefinition(root: unknown, path: string): ServiceDefinition {
  let node = root;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as { service: ServiceDefinition }).service;
}

function guarded<Req, Res>(internalSecret: string, handle: (request: Req) => Res): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const metadata: Metadata = call.metadata;
    if (metadataString(metadata, INTERNAL_METADATA_KEY) !== internalSecret) {
      callback({ code: 10000 as status, details: 'unauthorized: internal credential missing (test double)' });
      return;
    }
    callback(null, handle(call.request));
  };
}

/** Starts the logic test double on 127.0.0.1 (a free port) requiring `internalSecret` on every call. */
export async function startLogicTestDouble(internalSecret: string): Promise<LogicTestDouble> {
  const definition = loadSync(protoFiles('logic/device.int.proto', 'logic/message.int.proto'), {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoRoot()],
  });
  const root = loadPackageDefinition(definition);
  const saves: logicDevice.DeviceSaveRequest[] = [];
  const sends: logicMessageInt.SendUserMessageRequest[] = [];
  const sent = new Map<string, logicMessageInt.SendUserMessageReply>();
  const pushes: logicMessageInt.PushToUsersRequest[] = [];
  let nextDeviceId = 50000;
  let nextMessageId = 70000;
  const server = new Server();
  server.addService(serviceDefinition(root, 'logic.DeviceIntService'), {
    Save: guarded(internalSecret, (request: logicDevice.DeviceSaveRequest): logicDevice.DeviceSaveReply => {
      saves.push(request);
      const id = request.device?.id ?? 0;
      return { deviceId: id > 0 ? id : nextDeviceId++ };
    }),
  });
  server.addService(serviceDefinition(root, 'logic.MessageIntService'), {
    PushToUsers: guarded(
      internalSecret,
      (request: logicMessageInt.PushToUsersRequest): logicMessageInt.PushToUsersReply => {
        pushes.push(request);
        return { messageId: nextMessageId++ };
      },
    ),
    SendUserMessage: guarded(
      internalSecret,
      (request: logicMessageInt.SendUserMessageRequest): logicMessageInt.SendUserMessageReply => {
        sends.push(request);
        const key = `${request.userId}/${request.clientMsgId}`;
        const reply = sent.get(key) ?? {
          messageId: nextMessageId++,
          seq: sent.size + 1,
          createdAt: Date.now(),
        };
        sent.set(key, reply);
        return reply;
      },
    ),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    saves,
    sends,
    pushes,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
