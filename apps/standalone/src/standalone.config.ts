import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { CommonConfig } from '@gim/config';

/** Standalone settings: where data lives and which ports the one process listens on. */
export class StandaloneConfig extends CommonConfig {
  /** Folder for the SQLite files and the uploaded files (files/); created when missing. */
  @IsString() @MinLength(1) GIM_DATA_DIR: string = './data';
  /** Interface every listener binds to. */
  @IsString() @MinLength(1) GIM_HOST: string = '127.0.0.1';
  /** Client TCP port. */
  @IsInt() @Min(0) @Max(65535) GIM_TCP_PORT: number = 8001;
  /** Client WebSocket port (path /ws). */
  @IsInt() @Min(0) @Max(65535) GIM_WS_PORT: number = 8002;
  /** tcp-gateway's ConnectIntService gRPC port. */
  @IsInt() @Min(1) @Max(65535) GIM_TCP_GATEWAY_GRPC_PORT: number = 8003;
  /** ws-gateway's ConnectIntService gRPC port. */
  @IsInt() @Min(1) @Max(65535) GIM_WS_GATEWAY_GRPC_PORT: number = 8004;
  /** logic's gRPC port (integrators call MessageIntService here). */
  @IsInt() @Min(1) @Max(65535) GIM_LOGIC_GRPC_PORT: number = 8010;
  /** business's gRPC port (clients call UserExtService.SignIn here). */
  @IsInt() @Min(1) @Max(65535) GIM_BUSINESS_GRPC_PORT: number = 8020;
  /** The file service's HTTP port (POST /upload, GET /file/<name>). */
  @IsInt() @Min(0) @Max(65535) GIM_FILE_PORT: number = 8085;
  /** The operations HTTP port (/healthz, /readyz, /metrics) of the one process. */
  @IsInt() @Min(0) @Max(65535) GIM_OPS_PORT: number = 9000;
}
