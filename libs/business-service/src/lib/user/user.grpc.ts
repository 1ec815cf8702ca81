import { Controller, UseGuards } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { businessUserExt, businessUserInt } from '@gim/contracts';
import { badRequest } from '@gim/errors';
import { IntegratorGuard, integratorScope, InternalGuard, validated } from '@gim/rpc';
import {
  AppUserProfileCommand,
  CreateAppUsersCommand,
  CreateAppUsersUseCase,
  RevokeTokensCommand,
  RevokeTokensUseCase,
  UpdateAppUserUseCase,
} from './app-users.usecases';
import { AuthenticateCommand, AuthenticateUseCase } from '../auth/authenticate.usecase';
import { clientAddress, PeerCall } from '../auth/client-address';
import { authenticatedCaller, ExtAuthGuard } from '../auth/ext-auth.guard';
import { GetUserCommand, GetUserUseCase } from './get-user.usecase';
import { GetUsersCommand, GetUsersUseCase } from './get-users.usecase';
import { SearchUsersCommand, SearchUsersUseCase } from './search-users.usecase';
import { SignInCommand, SignInUseCase } from './sign-in.usecase';
import { UpdateUserCommand, UpdateUserUseCase } from './update-user.usecase';
import { User } from './user';

/**
 * A user as the `business.User` message shows it (no phone number; times in milliseconds), named by its app's
 * id for callers inside an app, or by gim's id for gim's own services (the two are equal in the default app).
 */
export function toUserMessage(user: User, ids: 'app' | 'gim' = 'app'): businessUserExt.User {
  return {
    userId: ids === 'app' ? user.appUserId : user.id,
    nickname: user.nickname,
    sex: user.sex,
    avatarUrl: user.avatarUrl,
    extra: user.extra,
    createTime: user.createdAt.getTime(),
    updateTime: user.updatedAt.getTime(),
    appId: user.appId,
    appUserId: user.appUserId,
  };
}

/**
 * A uint64 map key as a number. proto-loader (protobufjs) hands uint64 map keys over as 8-byte little-endian
 * "long hash" strings rather than decimals; decimals are accepted too. Anything else becomes NaN (rejected).
 */
export function uint64MapKey(key: string): number {
  if (/^[0-9]+$/.test(key)) return Number(key);
  if (key.length === 8) return Number(Buffer.from(key, 'latin1').readBigUInt64LE());
  return Number.NaN;
}

/** Client-facing `business.UserExtService`: sign-in, then authenticated profile calls. */
@Controller()
@businessUserExt.UserExtServiceControllerMethods()
export class UserExtGrpcController implements businessUserExt.UserExtServiceController {
  constructor(
    private readonly signInUseCase: SignInUseCase,
    private readonly getUserUseCase: GetUserUseCase,
    private readonly updateUserUseCase: UpdateUserUseCase,
    private readonly searchUsersUseCase: SearchUsersUseCase,
  ) {}

  async signIn(
    request: businessUserExt.SignInRequest,
    _metadata?: Metadata,
    call?: PeerCall,
  ): Promise<businessUserExt.SignInReply> {
    const command = validated(SignInCommand, { ...request, clientAddress: clientAddress(call) });
    const session = await this.signInUseCase.execute(command);
    return { ...session, tokenExpiresAt: session.tokenExpiresAt.getTime() };
  }

  @UseGuards(ExtAuthGuard)
  async getUser(
    request: businessUserExt.GetUserRequest,
    metadata?: Metadata,
  ): Promise<businessUserExt.GetUserReply> {
    const { appId } = authenticatedCaller(metadata);
    const user = await this.getUserUseCase.execute(validated(GetUserCommand, { ...request, appId }));
    return { user: toUserMessage(user) };
  }

  @UseGuards(ExtAuthGuard)
  async updateUser(request: businessUserExt.UpdateUserRequest, metadata?: Metadata): Promise<void> {
    const caller = authenticatedCaller(metadata);
    await this.updateUserUseCase.execute(validated(UpdateUserCommand, { ...request, userId: caller.userId }));
  }

  @UseGuards(ExtAuthGuard)
  async searchUser(
    request: businessUserExt.SearchUserRequest,
    metadata?: Metadata,
  ): Promise<businessUserExt.SearchUserReply> {
    const { appId } = authenticatedCaller(metadata);
    const users = await this.searchUsersUseCase.execute(validated(SearchUsersCommand, { ...request, appId }));
    return { users: users.map((user) => toUserMessage(user)) };
  }
}

/**
 * Internal `business.UserIntService`: token checks and lookups by gim's ids for gim's own services (internal
 * credential only), and the integrator methods (CreateUsers, UpdateUser, RevokeTokens), which act inside the
 * app of their credential and name users by the app's ids.
 */
@Controller()
@businessUserInt.UserIntServiceControllerMethods()
export class UserIntGrpcController implements businessUserInt.UserIntServiceController {
  constructor(
    private readonly authenticateUseCase: AuthenticateUseCase,
    private readonly getUserUseCase: GetUserUseCase,
    private readonly getUsersUseCase: GetUsersUseCase,
    private readonly createUsersUseCase: CreateAppUsersUseCase,
    private readonly updateUserUseCase: UpdateAppUserUseCase,
    private readonly revokeTokensUseCase: RevokeTokensUseCase,
  ) {}

  @UseGuards(IntegratorGuard)
  async createUsers(
    request: businessUserInt.CreateUsersRequest,
    metadata?: Metadata,
  ): Promise<businessUserInt.CreateUsersReply> {
    const scope = integratorScope(metadata);
    const created = await this.createUsersUseCase.execute(scope, validated(CreateAppUsersCommand, request));
    return { created };
  }

  @UseGuards(IntegratorGuard)
  async updateUser(request: businessUserInt.IntUpdateUserRequest, metadata?: Metadata): Promise<void> {
    const scope = integratorScope(metadata);
    if (!request.user) throw badRequest('user: required');
    await this.updateUserUseCase.execute(scope, validated(AppUserProfileCommand, request.user));
  }

  @UseGuards(IntegratorGuard)
  async revokeTokens(request: businessUserInt.RevokeTokensRequest, metadata?: Metadata): Promise<void> {
    const scope = integratorScope(metadata);
    await this.revokeTokensUseCase.execute(scope, validated(RevokeTokensCommand, request));
  }

  @UseGuards(InternalGuard)
  async auth(request: businessUserInt.AuthRequest): Promise<businessUserInt.AuthReply> {
    return this.authenticateUseCase.execute(validated(AuthenticateCommand, request));
  }

  /** Integrator call: the internal credential names users by gim's ids (any app: gim's services use it), an app's credential by its own. */
  @UseGuards(IntegratorGuard)
  async getUser(
    request: businessUserExt.GetUserRequest,
    metadata?: Metadata,
  ): Promise<businessUserExt.GetUserReply> {
    const scope = integratorScope(metadata);
    const appId = scope.internal ? undefined : scope.appId;
    const user = await this.getUserUseCase.execute(validated(GetUserCommand, { ...request, appId }));
    return { user: toUserMessage(user, scope.internal ? 'gim' : 'app') };
  }

  /** Integrator call, named like GetUser; the reply's keys are the ids the request used. */
  @UseGuards(IntegratorGuard)
  async getUsers(
    request: businessUserInt.GetUsersRequest,
    metadata?: Metadata,
  ): Promise<businessUserInt.GetUsersReply> {
    const scope = integratorScope(metadata);
    const ids = scope.internal ? 'gim' : 'app';
    const userIds = Object.keys(request.userIds ?? {}).map(uint64MapKey);
    const appId = scope.internal ? undefined : scope.appId;
    const users = await this.getUsersUseCase.execute(validated(GetUsersCommand, { userIds, appId }));
    const byId = users.map((user) => toUserMessage(user, ids));
    return { users: Object.fromEntries(byId.map((user) => [user.userId, user])) };
  }

  @UseGuards(InternalGuard)
  async findAppUsers(
    request: businessUserInt.FindAppUsersRequest,
  ): Promise<businessUserInt.FindAppUsersReply> {
    const command = validated(GetUsersCommand, { userIds: request.appUserIds, appId: request.appId });
    return { users: (await this.getUsersUseCase.execute(command)).map((user) => toUserMessage(user, 'gim')) };
  }
}
