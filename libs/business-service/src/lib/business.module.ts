import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Channels, FanoutBus } from '@gim/bus';
import { AppModule } from './app/app.module';
import { AttemptStore } from './auth/attempt-store';
import { AuthModule } from './auth/auth.module';
import { CodeVerifier, DevelopmentCodeVerifier } from './auth/code-verifier';
import { BusinessConfig } from './business.config';
import { BUSINESS_DATA_SOURCE, BUSINESS_INTERNAL_SECRET } from './business.tokens';
import { BusRelationChanges } from './friend/bus-relation-changes';
import { RelationChanges } from './friend/friend';
import { FriendModule } from './friend/friend.module';
import { MomentModule } from './moment/moment.module';
import { UserModule } from './user/user.module';

/** What the business service's Nest modules are built from. */
export interface BusinessModuleOptions {
  config: BusinessConfig;
  /** the credential Int calls must carry, and that calls to logic carry */
  internalSecret: string;
  /** an initialized data source holding the business tables */
  dataSource: DataSource;
  /** replaces the development verifier (GIM_DEV_VERIFICATION_CODE) */
  codeVerifier?: CodeVerifier;
  /** where sign-in misses are counted (createAttemptStore(config)); the caller closes it */
  attemptStore: AttemptStore;
  /** where relation changes are announced to logic; the caller closes it */
  bus: FanoutBus;
}

/** Settings, storage, the code verifier and the attempt counters, visible to every business module. */
@Module({})
class BusinessCoreModule {
  static forRoot(options: BusinessModuleOptions): DynamicModule {
    const codeVerifier =
      options.codeVerifier ?? new DevelopmentCodeVerifier(options.config.GIM_DEV_VERIFICATION_CODE);
    return {
      module: BusinessCoreModule,
      global: true,
      providers: [
        { provide: BusinessConfig, useValue: options.config },
        { provide: BUSINESS_INTERNAL_SECRET, useValue: options.internalSecret },
        { provide: BUSINESS_DATA_SOURCE, useValue: options.dataSource },
        { provide: CodeVerifier, useValue: codeVerifier },
        { provide: AttemptStore, useValue: options.attemptStore },
        {
          provide: RelationChanges,
          useValue: new BusRelationChanges(options.bus, new Channels(options.config.GIM_REDIS_PREFIX)),
        },
      ],
      exports: [
        BusinessConfig,
        BUSINESS_INTERNAL_SECRET,
        BUSINESS_DATA_SOURCE,
        CodeVerifier,
        AttemptStore,
        RelationChanges,
      ],
    };
  }
}

/** The whole business service (AppInt, UserExt, UserInt, FriendExt, FriendInt, MomentExt) as one Nest module. */
@Module({})
export class BusinessModule {
  static forRoot(options: BusinessModuleOptions): DynamicModule {
    return {
      module: BusinessModule,
      imports: [
        BusinessCoreModule.forRoot(options),
        AppModule,
        AuthModule,
        UserModule,
        FriendModule,
        MomentModule,
      ],
    };
  }
}
